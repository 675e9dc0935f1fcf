using System.Collections.Concurrent;

namespace Educloud.Idp.Benchmarks;

/// <summary>
/// A person the benchmark logs in: a synthetic national identity number, the authenticator key it
/// was shown at enrollment, and the last time step whose code it typed. Used by one login at a time.
/// </summary>
public sealed class Person(string pid)
{
    public string Pid { get; } = pid;

    /// <summary>The authenticator key (base32), once enrolled.</summary>
    public string? Secret { get; set; }

    /// <summary>The last 30-s step whose code this person typed; the IdP accepts only a later one.</summary>
    public long LastStep { get; set; } = -1;
}

/// <summary>
/// People for the whole-login rows, handed out one at a time in turn (first in, first out). The IdP
/// accepts one code per person per 30-s step, so a person comes round again only when
/// <see cref="Count"/> logins later a new step has begun: the pool sustains about
/// <see cref="Count"/> / 30 logins per second. If it comes round too early the worker waits for the
/// next step, and <see cref="Stalls"/> says so (the row's rate is then the pool's, not the IdP's).
/// </summary>
public sealed class PersonPool
{
    private readonly ConcurrentQueue<Person> queue = new();
    private int stalls;
    private int count;

    public int Count => Volatile.Read(ref count);

    /// <summary>People in the pool who have not typed a code in the current step (while no login runs).</summary>
    public int Ready
    {
        get
        {
            var step = Rfc6238.CurrentStep();
            return queue.Count(p => p.LastStep < step);
        }
    }

    /// <summary>The latest step in which anyone in the pool typed a code (while no login runs).</summary>
    public long NewestStep => queue.IsEmpty ? -1 : queue.Max(p => p.LastStep);

    public void Add(IEnumerable<Person> people)
    {
        foreach (var person in people)
        {
            queue.Enqueue(person);
            Interlocked.Increment(ref count);
        }
    }

    /// <summary>Times a worker had to wait for a new time step because the next person had already typed a code in this one.</summary>
    public int Stalls => Volatile.Read(ref stalls);

    public async Task<Person> TakeAsync(CancellationToken cancellationToken)
    {
        if (!queue.TryDequeue(out var person))
        {
            throw new InvalidOperationException("The pool of people is empty: more workers than people.");
        }

        var wait = Rfc6238.UntilStepAfter(person.LastStep);
        if (wait > TimeSpan.Zero)
        {
            Interlocked.Increment(ref stalls);
            try
            {
                await Task.Delay(wait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                queue.Enqueue(person);
                throw;
            }
        }

        return person;
    }

    public void Return(Person person) => queue.Enqueue(person);
}
