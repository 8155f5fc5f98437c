import NIOConcurrencyHelpers

extension NIOLockedValueBox {
    /// `withLockedValue` for a body that throws `BrokerError` (NIO's is `rethrows`, which loses the type).
    func withLockedValueThrowing<Result>(_ body: (inout Value) throws(BrokerError) -> Result) throws(BrokerError) -> Result {
        let outcome: Swift.Result<Result, BrokerError> = withLockedValue { value in
            do throws(BrokerError) { return .success(try body(&value)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }
}
