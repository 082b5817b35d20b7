using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>The artifact proxy's DELETE: removes path rows (a file, or a directory's files); objects are left for gc.</summary>
public sealed partial class SqliteRunStore
{
    public void DeleteArtifactFiles(string path)
    {
        var file = ArtifactPaths.File(path);
        Database.Run(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM artifact_files WHERE path = $path OR (path >= $low AND path < $high)";
            command.Parameters.AddWithValue("$path", file);
            command.Parameters.AddWithValue("$low", file + "/");
            command.Parameters.AddWithValue("$high", file + "0");
            command.ExecuteNonQuery();
        });
    }
}
