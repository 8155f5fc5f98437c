import ArgumentParser

/// A failure the CLI reports as one line on stderr with a documented exit code (Docs/cli.md).
struct CLIError: Error, CustomStringConvertible {
    /// Exit codes scripts can rely on.
    enum Code: Int32 {
        /// Anything else: the server rejected the request, an I/O error.
        case generic = 1
        /// Bad arguments.
        case usage = 2
        /// The server could not be reached.
        case unreachable = 3
        /// The topic or consumer does not exist.
        case notFound = 4
        /// `roost log verify` found corruption.
        case corruption = 5
        /// The request conflicts with the current state (topic exists, consumer busy).
        case conflict = 6
    }

    var code: Code
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }

    static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
}
