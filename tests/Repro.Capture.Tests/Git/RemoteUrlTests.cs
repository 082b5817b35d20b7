using Repro.Capture.Git;

namespace Repro.Capture.Tests.Git;

public sealed class RemoteUrlTests
{
    [Theory]
    [InlineData("https://user:ghp_secret@github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("https://ghp_secret@github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("http://oauth2:glpat-x@gitlab.example.com:8443/g/p.git", "http://gitlab.example.com:8443/g/p.git")]
    [InlineData("HTTPS://u:p@host/x", "HTTPS://host/x")]
    [InlineData("https://host/path/with@sign.git", "https://host/path/with@sign.git")]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("ssh://git:hunter2@host.example/x.git", "ssh://git@host.example/x.git")]
    [InlineData("ssh://git@host.example/x.git", "ssh://git@host.example/x.git")]
    [InlineData("ssh://:hunter2@host.example/x.git", "ssh://host.example/x.git")]
    [InlineData("git@github.com:org/repo.git", "git@github.com:org/repo.git")]
    [InlineData("/srv/git/repo.git", "/srv/git/repo.git")]
    [InlineData("file:///srv/git/repo.git", "file:///srv/git/repo.git")]
    [InlineData("  https://t@h/x  ", "https://h/x")]
    public void Credentials_are_removed_and_everything_else_is_kept(string url, string expected)
    {
        Assert.Equal(expected, RemoteUrl.StripCredentials(url));
    }
}
