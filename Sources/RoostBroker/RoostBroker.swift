/// The broker core: topics, consumers, delivery, flow control, dedup and dead letters.
///
/// It drives the log in `RoostStorage` and knows nothing of WebSocket or wire error codes.
public enum RoostBrokerModule {}
