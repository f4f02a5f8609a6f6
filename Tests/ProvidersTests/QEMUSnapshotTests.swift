import Testing

@testable import Machines
@testable import Providers

/// Reading `qemu-img snapshot -l` (QEMU 7.2's table), and the names boxer accepts.
@Suite struct QEMUSnapshotTests {
    @Test func theTableGivesNamesAndWhetherMemoryIsIn() {
        let output = """
            Snapshot list:
            ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
            1         s1                106 MiB 2026-12-05 00:23:18 00:00:04.531           
            2         off                   0 B 2026-12-05 00:23:26 00:00:00.000          0
            3         push_1796430208_5325  1.5 GiB 2026-12-05 00:24:00 00:01:02.000
            """
        #expect(
            QEMUProvider.parseSnapshots(output) == [
                Snapshot(name: "s1", withMemory: true), Snapshot(name: "off", withMemory: false),
                Snapshot(name: "push_1796430208_5325", withMemory: true),
            ])
        #expect(QEMUProvider.parseSnapshots("").isEmpty)
    }

    @Test func namesAreCheckedAndPushedOnesRecognized() throws {
        for good in ["s1", "before-upgrade", "v1.2_ok"] { try MachineEnvironment.checkSnapshotName(good) }
        for bad in ["", "two words", "-x", "a;b", String(repeating: "a", count: 65), "ü"] {
            #expect(throws: MachineError.self) { try MachineEnvironment.checkSnapshotName(bad) }
        }
        #expect(MachineEnvironment.isPushed("push_1796430208_5325"))
        #expect(!MachineEnvironment.isPushed("push_x_1") && !MachineEnvironment.isPushed("s1"))
    }
}
