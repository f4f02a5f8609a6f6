import Foundation
import Testing
import Vagrantfile

/// Constructs boxer refuses on purpose: each fails with `Vagrantfile:LINE:COL: … is not supported by boxer` and a hint.
@Suite struct RefusedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let source: String
        let line: Int
        let column: Int
        let message: String
        var testDescription: String { message }
    }

    static let prefix = "Vagrant.configure(\"2\") do |config|\n"
    static let cases: [Case] = [
        Case(
            source: "  config.vm.box = `uname -m`.strip\nend\n", line: 2, column: 19,
            message: "`uname -m` is refused here: this reading of the Vagrantfile may not act on the host"),
        Case(
            source: "  arch = %x(uname -m)\nend\n", line: 2, column: 10,
            message: "`uname -m` is refused here: this reading of the Vagrantfile may not act on the host"),
        Case(
            source: "  system(\"ls\")\nend\n", line: 2, column: 3,
            message: "`ls` is refused here: this reading of the Vagrantfile may not act on the host"),
        Case(
            source: "  x = 1\n  exec \"ls\"\nend\n", line: 3, column: 3,
            message: "exec \"ls\" would replace boxer with that program; boxer does not do that"),
        Case(source: "  config.instance_eval { }\nend\n", line: 2, column: 10, message: "'instance_eval' is not supported by boxer"),
        Case(
            source: "  config.vm.send(:box=, 'x')\nend\n", line: 2, column: 13,
            message: "'send' (metaprogramming) is not supported by boxer"),
        Case(
            source: "  define_method(:x) { }\nend\n", line: 2, column: 3,
            message: "'define_method' (metaprogramming) is not supported by boxer"),
        Case(source: "  Klass = Class.new\nend\n", line: 2, column: 17, message: "Class.new is not supported by boxer"),
        Case(
            source: "  autoload :Settings, \"lib/settings\"\nend\n", line: 2, column: 3,
            message: "'autoload' (loading Ruby files on demand) is not supported by boxer"),
        Case(source: "  require \"net/http\"\nend\n", line: 2, column: 3, message: "require \"net/http\" is not supported by boxer"),
        Case(
            source: "  File.write(\"/tmp/x\", \"y\")\nend\n", line: 2, column: 8,
            message: "File.write is refused here: this reading of the Vagrantfile may not act on the host"),
        Case(
            source: "  Process.spawn(\"ls\")\nend\n", line: 2, column: 11,
            message: "'spawn' (a process that outlives the reading) is not supported by boxer"),
        Case(source: "  Process.pid\nend\n", line: 2, column: 11, message: "Process.pid is not supported by boxer"),
        Case(source: "  open(\"|ls\")\nend\n", line: 2, column: 3, message: "'open' is not supported by boxer"),
    ]

    @Test(arguments: cases)
    func refused(_ refused: Case) throws {
        let error = try Self.failure(Self.prefix + refused.source)
        #expect(error.kind == .unsupported, "\(error)")
        #expect(error.location?.line == refused.line, "\(error)")
        #expect(error.location?.column == refused.column, "\(error)")
        #expect(error.message == refused.message, "\(error)")
        #expect(error.hint != nil)
        #expect(error.description.hasPrefix("\(error.location?.file ?? ""):\(refused.line):\(refused.column): \(refused.message)"))
    }

    /// Classes and modules of the file's own are Ruby boxer runs; Vagrant's own are not there to patch.
    @Test func patchingVagrantsOwnClassesIsRefused() throws {
        let plugins = try Self.failure("class VagrantPlugins::ProviderVirtualBox::Action::Network\nend\n")
        #expect(
            plugins.message
                == "reopening VagrantPlugins::ProviderVirtualBox::Action::Network (Vagrant's own code) is not supported by boxer")
        #expect(plugins.location?.line == 1)
        #expect(plugins.location?.column == 1)
        let vagrant = try Self.failure("x = 1\n  module Vagrant\n  end\n")
        #expect(vagrant.message == "reopening Vagrant (Vagrant's own code) is not supported by boxer")
        #expect(vagrant.location?.line == 2)
        #expect(vagrant.location?.column == 3)
        #expect(vagrant.hint != nil)
    }

    static func failure(_ source: String, directory: String = FileManager.default.temporaryDirectory.path) throws -> VagrantfileError {
        do {
            _ = try VagrantfileLoader.evaluate(source: source, directory: directory)
        } catch {
            return error
        }
        throw VagrantfileError(.runtime, at: nil, "expected a failure for:\n\(source)")
    }
}

/// Syntax and runtime errors carry the file, line and column, and never crash the process.
@Suite struct ErrorLocationTests {
    @Test func syntaxErrorsNameThePlace() throws {
        let unclosed = try RefusedTests.failure("Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"x\"\n")
        #expect(unclosed.kind == .syntax)
        #expect(unclosed.location?.line == 1)
        #expect(unclosed.message.contains("never closed"))

        let string = try RefusedTests.failure("x = \"abc\ny = 1\n")
        #expect(string.kind == .syntax)
        #expect(string.location?.line == 1)
        #expect(string.location?.column == 5)

        let heredoc = try RefusedTests.failure("s = <<~EOS\n  text\n")
        #expect(heredoc.message.contains("EOS"))
        #expect(heredoc.location?.line == 1)

        let stray = try RefusedTests.failure("x = 1 +\n")
        #expect(stray.kind == .syntax)
    }

    @Test func runtimeErrorsNameThePlace() throws {
        let undefined = try RefusedTests.failure("Vagrant.configure(\"2\") do |config|\n  config.vm.box = box_name\nend\n")
        #expect(undefined.kind == .runtime)
        #expect(undefined.location?.line == 2)
        #expect(undefined.location?.column == 19)
        #expect(undefined.message == "undefined local variable or method 'box_name'")

        let raised = try RefusedTests.failure("raise \"set BOX first\" unless ENV[\"BOX\"]\n")
        #expect(raised.message == "set BOX first")
        #expect(raised.location?.line == 1)

        let version = try RefusedTests.failure("Vagrant.configure(\"3\") do |config|\nend\n")
        #expect(version.kind == .configuration)

        let required = try RefusedTests.failure("Vagrant.require_version \">= 3.0\"\n")
        #expect(required.message.contains("requires Vagrant >= 3.0"))
    }

    @Test func configurationErrorsNameThePlace() throws {
        let port = try VagrantfileLoader.evaluate(
            source:
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"b\"\n  config.vm.network \"forwarded_port\", guest: 80\nend\n")
        #expect(port.problems.first?.location.line == 3)
        #expect(port.problems.first?.message == "vm: Forwarded port definitions require a \"host\" and \"guest\" value")

        // Version 1's positional address is an ArgumentError on Ruby 3, in Vagrant too.
        let network = try RefusedTests.failure(
            "Vagrant.configure(\"2\") do |config|\n  config.vm.network :hostonly, \"192.168.50.4\"\nend\n")
        #expect(network.message.hasPrefix("wrong number of arguments (given 2, expected 1)"))
        #expect(network.location?.line == 2)
    }

    @Test func endlessLoopsAndRecursionStop() throws {
        let loop = try RefusedTests.failure("loop do\nend\n")
        #expect(loop.message.contains("runs too long"))
        let recursion = try RefusedTests.failure("def f(n)\n  f(n + 1)\nend\nf(1)\n")
        #expect(recursion.message.contains("nest more than"))
    }

    /// As in Vagrant: the file reads (status lists the machine), and validation refuses unknown
    /// settings and sections, each named with its line; provider blocks, which `validate -p`
    /// does not check, only warn.
    @Test func unknownSettingsAndSectionsAreProblemsWithTheLine() throws {
        let environment = try VagrantfileLoader.evaluate(
            source:
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"b\"\n  config.vm.boxx = \"typo\"\n  config.ssh.usename = \"me\"\n  config.vm.provider \"virtualbox\" do |vb|\n    vb.memroy = 1\n  end\n  config.disksize.size = \"50GB\"\n  config.vm.provision \"shell\", run: \"sometimes\", inline: \"x\"\nend\n"
        )
        #expect(environment.machines.map(\.name) == ["default"])
        #expect(
            environment.problems.map(\.message) == [
                "vm: The following settings shouldn't exist: boxx",
                "SSH: The following settings shouldn't exist: usename",
                "Vagrant: Unknown configuration section 'disksize'.",
            ])
        #expect(environment.problems.map(\.location.line) == [3, 4, 8])
        #expect(environment.warnings.map(\.message) == ["The following settings shouldn't exist: virtualbox provider memroy"])
        #expect(environment.machines.first?.provisioners.first?.run == "once", "run: other than always/never means once, as in Vagrant")
        let error = try #require(throws: VagrantfileError.self) { try environment.checkProblems() }
        #expect(error.message.hasPrefix("There are errors in the configuration of this machine."))
        #expect(error.message.contains("Vagrantfile:3:3: vm: The following settings shouldn't exist: boxx"))
    }

    /// The sections of the plugins Vagrant ships (a Windows guest's `config.windows`, rdp, smb,
    /// the Solaris guests) are known sections, as in vagrant 2.3.4.
    @Test func theSectionsOfVagrantsOwnPluginsAreKnown() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  config.windows.halt_timeout = 15
                  config.rdp.port = 3390
                  config.smb.functional = false
                  config.solaris.suexec_cmd = "sudo"
                end
                """)
        #expect(environment.problems.isEmpty)
    }

    /// Vagrant's validation of host paths, relative to the project folder; `create: true` and a
    /// missing `ip` with no `type` (DHCP) pass, as in Vagrant.
    @Test func missingHostPathsAreProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("echo hi\n".utf8).write(to: folder.appendingPathComponent("there.sh"))
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  config.vm.provision "shell", path: "there.sh"
                  config.vm.provision "shell", path: "missing.sh"
                  config.vm.provision "file", source: "gone.txt", destination: "/tmp/x"
                  config.vm.synced_folder "nowhere", "/srv"
                  config.vm.synced_folder "made", "/made", create: true
                  config.vm.network "private_network"
                  config.ssh.private_key_path = "keys/none"
                end
                """, directory: folder.path)
        #expect(
            environment.problems.map(\.message) == [
                "SSH: `private_key_path` file must exist: keys/none",
                "shell provisioner: `path` for shell provisioner does not exist on the host system: \(folder.path)/missing.sh",
                "File provisioner: File upload source file \(folder.path)/gone.txt must exist",
                "vm: The host path of the shared folder is missing: nowhere",
            ])
        #expect(
            environment.machines.first?.networks.contains { if case .privateNetwork(let n) = $0 { return n.dhcp } else { return false } }
                == true)
    }
}

/// Issue 16 (a real AWS project): an override in another provider's block counts only for
/// machines that run with that provider, as Vagrant applies it for that provider alone.
@Suite struct OverrideProblemTests {
    @Test func anotherProvidersOverrideIsNotChecked() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "dummy"
                  config.vm.provider :aws do |aws, override|
                    override.ssh.private_key_path = "/nonexistent/terra.pem"
                    override.vm.boxx = "typo"
                  end
                end
                """)
        #expect(environment.problems.isEmpty)
        #expect(environment.providerProblems.map(\.provider) == ["aws", "aws"])
        #expect(throws: Never.self) { try environment.checkProblems { _ in "virtualbox" } }
        let error = try #require(throws: VagrantfileError.self) { try environment.checkProblems { _ in "aws" } }
        #expect(error.message.contains("Vagrantfile:4:"), "\(error.message)")
        #expect(error.message.contains("`private_key_path` file must exist: /nonexistent/terra.pem"))
        #expect(error.message.contains("vm: The following settings shouldn't exist: boxx"))
    }
}

/// Semantics the review found missing: disabled forwards, folder keys, CRLF files.
@Suite struct SemanticsTests {
    @Test func disabledForwardsAndFoldersAndWindowsLineEnds() throws {
        let source =
            "# -*- mode: ruby -*-\r\nVagrant.configure(\"2\") do |config|\r\n  config.vm.box = \"b\"\r\n  config.vm.network \"forwarded_port\", id: \"ssh\", guest: 22, host: 2222, disabled: true\r\n  config.vm.synced_folder \".\", \"/vagrant\", id: \"vagrant-root\", disabled: true\r\n  config.vm.synced_folder \"data\", \"/data\", nfs: true\r\n  config.vm.provision \"shell\", name: \"one\", inline: \"a\"\r\n  config.vm.provision \"shell\", name: \"one\", inline: \"b\"\r\nend\r\n"
        let machine = try #require(try VagrantfileLoader.evaluate(source: source).machines.first)
        #expect(machine.box == "b")
        #expect(machine.networks.isEmpty)
        #expect(machine.syncedFolders.map(\.guestPath) == ["/vagrant", "/data"])
        #expect(machine.syncedFolders[0].disabled)
        #expect(machine.syncedFolders[0].id == "vagrant-root")
        #expect(machine.syncedFolders[1].type == "nfs")
        // `name:` only labels a shell step; both steps stay.
        #expect(machine.provisioners.map(\.inline) == ["a", "b"])
    }

    @Test func integerEdgeCasesDoNotTrap() throws {
        let output = try VagrantfileLoader.evaluate(
            source:
                "puts 9223372036854775807 / 1, -7 % 3, 7 % -3, (-9223372036854775807 - 1) % 9223372036854775807, format(\"%d|%x\", -9223372036854775807 - 1, -1), \"ab\".rjust(-9223372036854775807)"
        ).output
        #expect(output == ["9223372036854775807\n2\n-2\n9223372036854775806\n-9223372036854775808|-1\nab"])
    }
}
