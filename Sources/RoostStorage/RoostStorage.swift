/// The log: segmented append-only files per topic, record batches, indexes, recovery and retention.
public enum RoostStorageModule {}
