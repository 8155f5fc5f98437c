import Foundation
import RoostSecurity
import RoostTesting
import Testing

@testable import RoostCLI

/// The security settings of `roost serve`: the security file, then `auth` and `auth_timeout_ms` over it.
@Suite struct ServeSecuritySettingsTests {
    @Test func settingsOverrideTheSecurityFile() throws {
        let directory = try TemporaryDirectory(prefix: "roost-serve-security")
        defer { directory.remove() }
        let file = directory.appending("security.json")
        try Data(#"{"auth": "off", "auth_timeout_ms": 5000, "max_connections_per_principal": 4}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        var values = ServeSettings()
        values.add("security_file", file, source: "--set")
        let fromFile = try values.security()
        #expect(fromFile.authentication == .off && fromFile.authTimeoutMilliseconds == 5000)
        #expect(fromFile.maxConnectionsPerPrincipal == 4)
        values.addEnvironment(["ROOST_AUTH_TIMEOUT_MS": "0", "ROOST_AUTH": "on"])
        _ = try values.configuration()
        let overridden = try values.security()
        #expect(overridden.authentication == .on && overridden.authTimeoutMilliseconds == 0)
        #expect(SecurityConfiguration().authTimeoutMilliseconds == 10_000, "the documented default")
    }

    @Test func aBadTimeoutIsRefused() {
        var values = ServeSettings()
        values.add("auth_timeout_ms", "soon", source: "--set")
        #expect(throws: ServeSettings.Failure.self) { try values.configuration() }
    }
}
