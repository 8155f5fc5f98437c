// The `roost` executable: every command lives in RoostCLI; this file only starts it.
import ArgumentParser
import RoostCLI

await RoostCommand.start()
