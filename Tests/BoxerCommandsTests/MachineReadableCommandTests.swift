import BoxerTestSupport
import Foundation
import Testing

/// The records of the commands Vagrant has no peer for here (global-status, validate, version,
/// providers, build --list) and `--machine-readable` wherever it is on the command line.
@Suite struct MachineReadableCommandTests {
    @Test func theFlagWorksBeforeOrAfterTheCommandButNotAfterDashDash() throws {
        let runner = try CommandRunner()
        let before = try runner.boxer(["--machine-readable", "version"])
        let after = try runner.boxer(["version", "--machine-readable"])
        #expect(before.status == 0 && after.status == 0)
        let records = try Record.parse(before.output)
        #expect(records.map(\.type) == ["ui", "version-installed"])
        #expect(try Record.parse(after.output).map(\.data) == records.map(\.data))
        #expect(try runner.boxer(["version"]).output.hasPrefix("Installed Version: "))
    }

    @Test func globalStatusAndValidateSayWhatVagrantsDo() throws {
        let runner = try CommandRunner()
        let global = try Record.parse(try runner.boxer(["global-status", "--machine-readable"]).output)
        #expect(global.first == Record(target: "", type: "metadata", data: ["machine-count", "0"]))
        let project = try runner.project("p", vagrantfile: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"x\"\nend\n")
        let validate = try Record.parse(
            try runner.boxer(["validate", "--machine-readable"], in: project, environment: ["BOXER_DEFAULT_PROVIDER": "qemu"]).output)
        #expect(
            validate == [
                Record(target: "default", type: "metadata", data: ["provider", "qemu"]),
                Record(target: "", type: "ui", data: ["info", "Vagrantfile validated successfully."]),
            ])
    }

    /// `vagrant validate -p` is how Vagrant users validate; boxer takes the flag, and a file that
    /// parses `ARGV` with GetoptLong sees it there, as under Vagrant (which fails on it).
    @Test func validateTakesVagrantsIgnoreProviderFlag() throws {
        let runner = try CommandRunner()
        let plain = try runner.project("plain", vagrantfile: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"x\"\nend\n")
        for flag in ["-p", "--ignore-provider"] {
            let run = try runner.boxer(["validate", flag], in: plain)
            #expect(run.status == 0, "\(flag): \(run.error)")
            #expect(run.output.contains("Vagrantfile validated successfully."))
        }
        let options = try runner.project(
            "options",
            vagrantfile: """
                require 'getoptlong'
                GetoptLong.new([ '--workers', GetoptLong::REQUIRED_ARGUMENT ]).each { |o, a| }
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                end

                """)
        #expect(try runner.boxer(["validate"], in: options).status == 0)
        let refused = try runner.boxer(["validate", "-p"], in: options)
        #expect(refused.status != 0)
        #expect(refused.error.contains("invalid option -- p"), "\(refused.error)")
    }

    @Test func aBrokenVagrantfileIsAnErrorExitNamingItsLine() throws {
        let runner = try CommandRunner()
        let project = try runner.project("broken", vagrantfile: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \n")
        let run = try runner.boxer(["validate", "--machine-readable"], in: project)
        #expect(run.status == 1)
        let records = try Record.parse(run.output)
        #expect(records.last?.type == "error-exit")
        #expect(records.last?.data.first == "VagrantfileError.syntax")
        #expect(records.last?.data.dropFirst().joined().contains("Vagrantfile:") == true)
    }

    @Test func providersAreRecordsPerProvider() throws {
        let runner = try CommandRunner()
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("providers")
        let run = try runner.boxer(
            ["providers", "--host", "linux-amd64", "--machine-readable"], environment: ["BOXER_PROVIDERS": data.path])
        try #require(run.status == 0, "\(run.error)")
        let records = try Record.parse(run.output)
        let qemu = records.filter { $0.target == "qemu" }
        #expect(qemu.first?.type == "provider-name")
        #expect(qemu.contains { $0.type == "guest" && $0.data.first == "amd64" })
        #expect(Set(records.map(\.target)).isSuperset(of: ["qemu", "virtualbox", "vmware_desktop", "parallels"]))
        #expect(!records.contains { $0.type == "ui" }, "no table for scripts")
    }
}
