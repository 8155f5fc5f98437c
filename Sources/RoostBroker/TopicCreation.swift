/// A topic name whose log is being created or deleted: the registry holds this placeholder meanwhile, and the
/// publishes that need the topic wait in it, in arrival order, so that none overtakes an earlier one.
struct TopicCreation {
    /// Gets the topic (or why there is none) once its log exists.
    typealias Waiter = @Sendable (Result<Topic, BrokerError>) -> Void

    /// In arrival order; at most `BrokerConfiguration.maxTopicCreateWaiters`.
    var waiters: [Waiter] = []
}
