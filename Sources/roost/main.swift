// The `roost` executable: every command lives in RoostCLI; this file only starts it.
import ArgumentParser
import RoostCLI

// Parse and run by hand: in top-level code `await RoostCommand.main()` resolves to the synchronous
// `ParsableCommand.main()`, which refuses an async root command ("needs availability annotation").
do {
    var command = try RoostCommand.parseAsRoot()
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    RoostCommand.exit(withError: error)
}
