import BoxerTestSupport
import Foundation
import Testing

/// Every suite that boots guests, one test at a time: the tests wait on real processes from
/// the threads Swift Testing runs them on, and the host has two cores, so running them side by
/// side would only starve each other and the rest of the suite.
@Suite(.serialized) struct MachineSuites {}

/// A project with its own BOXER_HOME, driven through the real `boxer` binary, with the tiny
/// test box added. Every QEMU it started is stopped when the value goes away, even when the
/// test failed half-way: `destroy -f`, then SIGKILL for any pidfile left.
final class MachineProject: @unchecked Sendable {
    let temporary: TemporaryFolder
    let home: URL
    let root: URL
    let binary: String

    /// The tiny box for `architecture`, built once by scripts/testbox.sh (cached under .cache).
    static func testBox(_ name: String = "tiny-amd64") throws -> String {
        let binary = try #require(BoxerBinary.url, "build boxer first (swift build)").path
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let run = try ProgramRun.run(
            repository.appendingPathComponent("scripts/testbox.sh").path, [name],
            environment: ProcessInfo.processInfo.environment.merging(["BOXER": binary]) { $1 })
        guard run.status == 0, let path = run.output.split(separator: "\n").last.map(String.init),
            FileManager.default.fileExists(atPath: path)
        else {
            throw TestFailure("scripts/testbox.sh \(name) failed (\(run.status)):\n\(run.error.suffix(3000))")
        }
        return path
    }

    /// `boxName` nil: no box is added (the project's `up` must fetch it).
    init(vagrantfile: String, box: String = "tiny-amd64", boxName: String? = "boxer/tiny") throws {
        binary = try #require(BoxerBinary.url, "build boxer first (swift build)").path
        temporary = try TemporaryFolder("boxer-machines")
        home = try temporary.folder("home")
        root = try temporary.folder("project")
        try Data(vagrantfile.utf8).write(to: root.appendingPathComponent("Vagrantfile"))
        if let boxName {
            let add = try boxer(["box", "add", boxName, try Self.testBox(box)])
            guard add.status == 0 else { throw TestFailure("box add failed: \(add.error)") }
        }
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BOXER_HOME"] = home.path
        // Tests reach nothing beyond the machines' forwarded ports.
        environment["BOXER_QEMU_RESTRICT"] = "1"
        environment["VAGRANT_CWD"] = nil
        environment["BOXER_CWD"] = nil
        // A missing box is looked up on the box server: in tests, a loopback port nothing
        // listens on (tests that serve a catalog pass their own), never the public one.
        environment["BOXER_SERVER_URL"] = "http://127.0.0.1:9"
        environment["VAGRANT_SERVER_URL"] = nil
        return environment
    }

    /// Starts boxer without waiting for it (its output discarded), to race or kill it.
    func startBoxer(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Writes a file of the project (its folders made as needed): playbooks, manifests, stand-ins.
    func write(_ text: String, to relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Runs boxer to its end; `extra` adds or replaces environment variables for this run.
    @discardableResult
    func boxer(_ arguments: [String], extra: [String: String] = [:]) throws -> ProgramRun {
        try ProgramRun.run(binary, arguments, environment: environment.merging(extra) { $1 }, directory: root)
    }

    /// PIDs of QEMUs this project's machines run (from their pidfiles, checked to be alive).
    var qemuPIDs: [Int32] {
        let machines = root.appendingPathComponent(".vagrant/machines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: machines.path)) ?? []
        return names.compactMap { name in
            let pidFile = machines.appendingPathComponent("\(name)/qemu/qemu.pid")
            guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
            else { return nil }
            return pid
        }
    }

    /// PIDs of environment network switches started under this home.
    var switchPIDs: [Int32] {
        let run = home.appendingPathComponent("run")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []
        return names.filter { $0.hasPrefix("net-") }.compactMap { name in
            guard let text = try? String(contentsOf: run.appendingPathComponent("\(name)/switch.pid"), encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
            else { return nil }
            return pid
        }
    }

    /// Off for machines this process must not reach itself: the libvirt test bed's, on hosts
    /// that exist only inside its namespaces (a destroy from here would send their addresses
    /// to the root namespace's default route). The test bed's `down` ends them instead.
    var destroysWhenReleased = true

    deinit {
        guard destroysWhenReleased else { return }
        _ = try? boxer(["destroy", "-f"])
        for pid in qemuPIDs { kill(pid, SIGKILL) }
        for pid in switchPIDs { kill(pid, SIGKILL) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
