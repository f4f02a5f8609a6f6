import BoxerTestSupport
import Foundation
import Testing

/// `--machine-readable` against Debian's real Vagrant 2.3.4, on the same project and the same
/// box store, compared field by field for the records both print.
@Suite(.serialized, .enabled(if: ProgramRun.find("vagrant") != nil, "vagrant is not installed"))
struct MachineReadableTests {
    static let multiMachine = """
        Vagrant.configure("2") do |config|
          config.vm.box = "test/tiny"
          config.vm.define "web"
          config.vm.define "db"
        end
        """

    @Test func statusRecordsMatchVagrants() throws {
        let runner = try CommandRunner()
        // Each its own copy of the project, so that neither sees the other's .vagrant folder.
        let forBoxer = try runner.project("boxer-project", vagrantfile: Self.multiMachine)
        let forVagrant = try runner.project("vagrant-project", vagrantfile: Self.multiMachine)
        // The provider vagrant-libvirt gives here; boxer names whatever it is told.
        let provider = ["VAGRANT_DEFAULT_PROVIDER": "libvirt"]
        let ours = try runner.boxer(["status", "--machine-readable"], in: forBoxer, environment: provider)
        let theirs = try runner.vagrant(["status", "--machine-readable"], in: forVagrant, environment: provider)
        try #require(theirs.status == 0, "vagrant status: \(theirs.output) \(theirs.error)")
        #expect(ours.status == 0, "\(ours.error)")
        let boxerRecords = try Record.parse(ours.output)
        let vagrantRecords = try Record.parse(theirs.output)
        // The same records in the same order, targets and types...
        #expect(
            boxerRecords.map { [$0.target, $0.type] + ($0.type == "ui" ? [$0.data[0]] : []) }
                == vagrantRecords.map { [$0.target, $0.type] + ($0.type == "ui" ? [$0.data[0]] : []) })
        // ...with the same data, except the long state text, which is each provider's own words.
        for (mine, real) in zip(boxerRecords, vagrantRecords) where !["state-human-long", "ui"].contains(mine.type) {
            #expect(mine == real)
        }
        for record in boxerRecords where record.type == "state-human-long" { #expect(!record.data.joined().isEmpty) }
        // The table: the same rows, escaped the same way.
        let table = { (records: [Record]) in
            records.last { $0.type == "ui" }.map { $0.data.dropFirst().joined(separator: ",").components(separatedBy: "\\n").prefix(5) }
        }
        #expect(table(boxerRecords) == table(vagrantRecords))
        #expect(table(boxerRecords)?.contains("web                       not created (libvirt)") == true)

        // One machine named: its state alone, the same way.
        let single = try Record.parse(try runner.boxer(["--machine-readable", "status", "db"], in: forBoxer, environment: provider).output)
        let real = try Record.parse(
            try runner.vagrant(["status", "db", "--machine-readable"], in: forVagrant, environment: provider).output)
        #expect(single.map(\.type) == real.map(\.type))
        #expect(single.map(\.target) == real.map(\.target))
    }

    @Test func boxListRecordsMatchVagrantsOnTheSameStore() throws {
        let runner = try CommandRunner()
        let box = runner.folder.path("tiny.box")
        let info = TestArchive.Entry.file("info.json", Data(#"{"author":"Jane, Doe","note":"line1\nline2"}"#.utf8))
        try TestArchive(entries: TestArchive.minimalBox(extra: [info])).write(to: box)
        // One store for both: boxer adds, both list.
        let shared = ["BOXER_HOME": runner.vagrantHome.path]
        #expect(try runner.boxer(["box", "add", "--name", "test/tiny", box.path], environment: shared).status == 0)
        #expect(try runner.boxer(["box", "add", "--name", "test/other", box.path], environment: shared).status == 0)
        let ours = try runner.boxer(["box", "list", "--machine-readable"], environment: shared)
        let theirs = try runner.vagrant(["box", "list", "--machine-readable"], environment: ["VAGRANT_NO_PLUGINS": "1"])
        try #require(theirs.status == 0, "vagrant box list: \(theirs.error)")
        #expect(ours.status == 0, "\(ours.error)")
        let real = try Record.parse(theirs.output)
        #expect(real.contains(Record(target: "", type: "box-info", data: ["author", "Jane%!(VAGRANT_COMMA) Doe"])), "\(real)")
        #expect(try Record.parse(ours.output) == real)

        // An empty store: the same warning, in boxer's words.
        let empty = try CommandRunner()
        let none = try Record.parse(try empty.boxer(["box", "list", "--machine-readable"]).output)
        let vagrantNone = try Record.parse(
            try empty.vagrant(["box", "list", "--machine-readable"], environment: ["VAGRANT_NO_PLUGINS": "1"]).output)
        #expect(none.map { [$0.target, $0.type, $0.data[0]] } == vagrantNone.map { [$0.target, $0.type, $0.data[0]] })
    }

    @Test func errorsEndWithVagrantsPairOfRecordsAndStatusOne() throws {
        let runner = try CommandRunner()
        let project = try runner.project("project", vagrantfile: Self.multiMachine)
        let provider = ["VAGRANT_DEFAULT_PROVIDER": "libvirt"]
        let ours = try runner.boxer(["status", "nosuch", "--machine-readable"], in: project, environment: provider)
        let theirs = try runner.vagrant(["status", "nosuch", "--machine-readable"], in: project, environment: provider)
        #expect(ours.status == 1)
        #expect(theirs.status == 1)
        let boxerRecords = try Record.parse(ours.output)
        let vagrantRecords = try Record.parse(theirs.output)
        #expect(boxerRecords.map { [$0.target, $0.type] } == [["", "ui"], ["", "error-exit"]])
        #expect(boxerRecords.map { [$0.target, $0.type] } == vagrantRecords.map { [$0.target, $0.type] })
        // The kind where Vagrant has its error class, the message in both.
        #expect(boxerRecords[1].data.first == "CommandError.machineNotDefined")
        #expect(boxerRecords[0].data.dropFirst().joined(separator: ",") == boxerRecords[1].data.dropFirst().joined(separator: ","))
        #expect(boxerRecords[1].data.dropFirst().joined().contains("'nosuch'"))
        #expect(ours.error.isEmpty, "a machine-readable failure says everything on standard output")
    }
}
