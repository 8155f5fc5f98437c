import Testing
import RoostStorage

@Test func moduleLinks() {
    #expect(String(describing: RoostStorageModule.self) == "RoostStorageModule")
}
