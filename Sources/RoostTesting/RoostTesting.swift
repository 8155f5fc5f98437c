/// Test support that ships with Roost: a manual clock, temporary directories, test servers.
public enum RoostTestingModule {}
