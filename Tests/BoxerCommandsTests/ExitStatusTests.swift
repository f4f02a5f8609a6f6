import ArgumentParser
import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Builder
import Foundation
import Machines
import Networks
import Providers
import Testing
import Vagrantfile

@testable import BoxerCommands

/// Every kind of error ends a command with the status its README table documents: 1 for any
/// failure, 2 for a command line boxer cannot parse, 128 + the signal when one stopped it.
@Suite struct ExitStatusTests {
    static func status(_ error: any Error) -> Int32 { CommandFailure(error).status.rawValue }

    @Test func everyFailureKindIsOne() {
        let machineKinds: [MachineError.Kind] = [
            .boxMissing, .toolMissing, .configuration, .portInUse, .bootTimeout, .provider, .communicator, .provisioner, .locked, .io,
            .untrustedState,
        ]
        for kind in machineKinds { #expect(Self.status(MachineError(kind, "x")) == 1, "\(kind)") }
        let buildKinds: [BuildError.Kind] = [.template, .unknownTemplate, .download, .checksum, .tool, .guest, .io]
        for kind in buildKinds { #expect(Self.status(BuildError(kind, "x")) == 1, "\(kind)") }
        let vagrantfileKinds: [VagrantfileError.Kind] = [.syntax, .unsupported, .runtime, .configuration, .notFound]
        for kind in vagrantfileKinds { #expect(Self.status(VagrantfileError(kind, at: nil, "x")) == 1, "\(kind)") }
        let others: [any Error] = [
            BoxStoreError.invalidName("x"), BoxStoreError.archive(.missingMetadata(box: "x")),
            BoxArchiveError.notAnArchive(box: "x", reason: "y"),
            NetworkError.allInUse, CapabilityError("x"), CommandError.noTemplates, CommandError.machineNameNeeded(machines: ["a"]),
            SystemError(operation: "open", path: "/x", code: ENOENT),
            CocoaError(.fileNoSuchFile),
        ]
        for error in others { #expect(Self.status(error) == 1, "\(error)") }
    }

    @Test func kindNamesAreTypeAndKind() {
        #expect(CommandFailure(MachineError(.portInUse, "x")).kindName == "MachineError.portInUse")
        #expect(
            CommandFailure(BoxStoreError.noMatchingVersion(box: "b", requirement: nil, providers: [], architecture: "amd64", available: []))
                .kindName == "BoxStoreError.noMatchingVersion")
        #expect(CommandFailure(BoxStoreError.archive(.missingMetadata(box: "x"))).kindName == "BoxArchiveError.missingMetadata")
        #expect(CommandFailure(VagrantfileError(.syntax, at: nil, "x")).kindName == "VagrantfileError.syntax")
        #expect(CommandFailure(BuildError(.checksum, "x")).kindName == "BuildError.checksum")
    }

    /// Kinds are `Type.case` identifiers, also for cases without a payload (whose name the
    /// runtime gives only through `description`, the message).
    @Test func kindNamesAreIdentifiers() {
        let errors: [any BoxerError] = [
            CommandError.noTemplates, CommandError.noInternalNetwork, CommandError.noMachineRunning, CommandError.noProviderData,
            CommandError.exists(path: "/x"), NetworkError.allInUse, NetworkError.taken(subnet: 5, by: "/p"),
            BoxStoreError.invalidName("x"), MachineError(.io, "x"), BuildError(.io, "x"), VagrantfileError(.syntax, at: nil, "x"),
        ]
        for error in errors {
            let parts = error.kindName.split(separator: ".")
            #expect(parts.count == 2 && parts.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber } }, "\(error.kindName)")
        }
        #expect(CommandError.noTemplates.kindName == "CommandError.noTemplates")
        #expect(NetworkError.allInUse.kindName == "NetworkError.allInUse")
    }

    @Test func interruptionsAre128PlusTheSignal() {
        #expect(Self.status(Interruption.Interrupted(signal: SIGINT)) == 130)
        #expect(Self.status(Interruption.Interrupted(signal: SIGTERM)) == 143)
        #expect(Self.status(Interruption.Interrupted(signal: SIGHUP)) == 129)
        #expect(Self.status(BuildError(.interrupted, "x", signal: SIGTERM)) == 143)
        #expect(Self.status(BuildError(.interrupted, "x")) == 130)
        #expect(Self.status(MachineError(.cancelled, "x")) == 130)
    }

    @Test func usageIsTwoAndHelpIsNoFailure() {
        #expect(Self.status(ValidationError("bad")) == 2)
        #expect(CommandFailure(ValidationError("bad")).kindName == "UsageError")
        #expect(Self.status(CleanExit.helpRequest()) == 0)
        #expect(CommandFailure(CleanExit.helpRequest()).kindName == nil)
        #expect(Self.status(ExitCode(7)) == 7, "a command passing on its program's status (ssh -c)")
    }

    @Test func theExecutableExitsWithThem() throws {
        let runner = try CommandRunner()
        let project = try runner.project("p", vagrantfile: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"x\"\nend\n")
        let cases: [([String], Int32)] = [
            (["status"], 0),
            (["version"], 0),
            (["--help"], 0),
            (["status", "--no-such-option"], 2),
            (["no-such-command"], 2),
            (["box", "add"], 2),
            (["status", "nosuch"], 1),
            (["box", "add", "--name", "x/y", "/nonexistent.box"], 1),
            (["box", "remove", "not/installed"], 1),
        ]
        for (arguments, expected) in cases {
            let run = try runner.boxer(arguments, in: project)
            #expect(run.status == expected, "boxer \(arguments.joined(separator: " ")): \(run.status) \(run.error)")
        }
        let broken = try runner.project("broken", vagrantfile: "Vagrant.configure(\"2\") do |config|\n")
        let run = try runner.boxer(["status"], in: broken)
        #expect(run.status == 1)
        #expect(run.error.hasPrefix("Error: \(broken.path)/Vagrantfile:"), "\(run.error)")
    }
}
