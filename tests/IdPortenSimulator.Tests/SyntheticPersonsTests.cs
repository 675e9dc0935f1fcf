namespace Educloud.IdPortenSimulator.Tests;

public sealed class SyntheticPersonsTests
{
    [Fact]
    public void SyntheticPersons_AreTestIdShaped()
    {
        SyntheticPersons.All.Should().HaveCountGreaterThanOrEqualTo(6);
        foreach (var person in SyntheticPersons.All)
        {
            person.Pid.Should().MatchRegex("^[0-9]{11}$");
            int.Parse(person.Pid[..2]).Should().BeInRange(1, 28);
            int.Parse(person.Pid[2..4]).Should().BeInRange(81, 92, "TestID adds 80 to the month");
            person.Name.Should().NotBeNullOrWhiteSpace();
        }

        SyntheticPersons.All.Select(p => p.Pid).Should().OnlyHaveUniqueItems();
    }
}
