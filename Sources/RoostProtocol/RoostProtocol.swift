/// Roost wire protocol v1: frame types and their JSON and binary codecs, shared by server and client.
public enum RoostProtocolModule {}
