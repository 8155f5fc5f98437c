/// The WebSocket and HTTP frontend: wire protocol v1 at `/v1/ws`, health, metrics and the admin API.
public enum RoostServerModule {}
