import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

@testable import Vagrantfile

/// `config.trigger` as Vagrant 2.3.4 finalizes and filters it (VagrantConfigTrigger,
/// Plugin::V2::Trigger#find), and trigger `ruby` blocks run after the reading. The behaviour
/// was observed with the real vagrant 2.3.4 and a stand-in provider plugin.
@Suite struct TriggerTests {
    static func read(_ body: String, environment: [String: String] = [:]) throws -> VagrantEnvironment {
        let folder = try TemporaryFolder("boxer-triggers")
        try Data("#!/bin/sh\n".utf8).write(to: folder.path("hook.sh"))
        return try VagrantfileLoader.evaluate(
            source: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"x\"\n\(body)\nend\n", directory: folder.url.path,
            environment: environment)
    }

    @Test func defaultsAreVagrants() throws {
        let read = try Self.read("  config.trigger.before :up, info: \"hi\"")
        let trigger = try #require(read.machines.first?.triggers.first)
        #expect(read.problems.isEmpty)
        #expect(trigger.stage == .before && trigger.command == "up" && trigger.kind == .action)
        #expect(trigger.info == "hi" && trigger.name == nil && trigger.warn == nil)
        #expect(!trigger.continuesOnError)
        #expect(trigger.exitCodes == [0] && trigger.ignore.isEmpty && trigger.onlyOn == nil && trigger.abort == nil)
        #expect(trigger.location.line == 3)
    }

    @Test func blockAndHashFormsAreFinalized() throws {
        let read = try Self.read(
            """
              config.trigger.after [:halt, "destroy"], name: "two" do |t|
                t.run = {path: "hook.sh", args: ["a b", "c"], env: {"K" => "v"}}
                t.run_remote = {inline: "sync", privileged: false}
                t.on_error = :continue
                t.exit_codes = 0..2
                t.abort = true
                t.ignore = :provision
                t.only_on = "web"
              end
            """)
        #expect(read.problems.isEmpty)
        let triggers = try #require(read.machines.first?.triggers)
        #expect(triggers.map(\.command) == ["halt", "destroy"])
        for trigger in triggers {
            #expect(trigger.stage == .after && trigger.name == "two" && trigger.continuesOnError)
            #expect(trigger.exitCodes == [0, 1, 2] && trigger.abort == 1 && trigger.ignore == ["provision"])
            #expect(trigger.onlyOn == [.text("web")])
            // A local run is never privileged; the remote one keeps what it was given.
            #expect(trigger.run?["privileged"] == .bool(false) && trigger.run?["env"] == .object(["K": .string("v")]))
            #expect(trigger.run?["args"] == .array([.string("a b"), .string("c")]))
            #expect(trigger.runRemote == ["inline": .string("sync"), "privileged": .bool(false)])
        }
    }

    /// Vagrant merges a machine's triggers after the file's, each list in the order written.
    @Test func machineTriggersFollowTheFilesOwn() throws {
        let read = try Self.read(
            """
              config.trigger.before :up, info: "global"
              config.vm.define "web" do |web|
                web.trigger.before :up, info: "web only"
              end
              config.vm.define "db"
              config.trigger.after :up, info: "global after"
            """)
        #expect(read.machine(named: "web")?.triggers.map(\.info) == ["global", "global after", "web only"])
        #expect(read.machine(named: "db")?.triggers.map(\.info) == ["global", "global after"])
        #expect(read.triggers.map(\.info) == ["global", "global after"])
    }

    /// `only_on` strings work as Ruby's `String#match(guest)`: the guest's name is the
    /// pattern, so "dbx" admits a machine named "db" (seen with vagrant 2.3.4).
    @Test func onlyOnMatchesAsVagrantDoes() throws {
        let read = try Self.read("  config.trigger.before :up, info: \"x\", only_on: [/^w/, \"dbx\"]")
        let trigger = try #require(read.machines.first?.triggers.first)
        #expect(trigger.fires(on: "up", stage: .before, kind: .action, guest: "web", all: true))
        #expect(trigger.fires(on: "up", stage: .before, kind: .action, guest: "db", all: true))
        #expect(!trigger.fires(on: "up", stage: .before, kind: .action, guest: "cache", all: true))
        #expect(!trigger.fires(on: "up", stage: .after, kind: .action, guest: "web", all: true))
        #expect(!trigger.fires(on: "halt", stage: .before, kind: .action, guest: "web", all: true))
    }

    @Test func allTriggersSkipWhatTheyIgnore() throws {
        let read = try Self.read("  config.trigger.after :all, info: \"x\", ignore: [:destroy, :ssh_run]")
        let trigger = try #require(read.machines.first?.triggers.first)
        #expect(trigger.fires(on: "up", stage: .after, kind: .action, guest: "default", all: true))
        #expect(trigger.fires(on: "reload", stage: .after, kind: .action, guest: "default", all: true))
        #expect(!trigger.fires(on: "destroy", stage: .after, kind: .action, guest: "default", all: true))
        #expect(!trigger.fires(on: "ssh_run", stage: .after, kind: .action, guest: "default", all: true))
        // Hooks and commands do not take `:all`.
        #expect(!trigger.fires(on: "up", stage: .after, kind: .action, guest: "default", all: false))
    }

    @Test func typedTriggersNeedTheExperimentalFlag() throws {
        let body =
            "  config.trigger.before :provisioner_run, type: :hook, info: \"x\"\n  config.trigger.before :status, type: :command, info: \"y\""
        let plain = try Self.read(body)
        #expect(!plain.typedTriggers)
        #expect(plain.warnings.contains { $0.message.contains("VAGRANT_EXPERIMENTAL=typed_triggers") })
        let flagged = try Self.read(body, environment: ["VAGRANT_EXPERIMENTAL": "typed_triggers"])
        #expect(flagged.typedTriggers)
        #expect(!flagged.warnings.contains { $0.message.contains("typed_triggers") })
        #expect(flagged.triggers.map(\.kind) == [.hook, .command])
        // Set by the Vagrantfile itself, as projects do.
        let own = try Self.read("  ENV[\"VAGRANT_EXPERIMENTAL\"] = \"typed_triggers\"\n" + body)
        #expect(own.typedTriggers)
        #expect(Trigger.typedTriggersEnabled(environment: ["VAGRANT_EXPERIMENTAL": "1"]))
        #expect(!Trigger.typedTriggersEnabled(environment: ["VAGRANT_EXPERIMENTAL": "dependency_provisioners"]))
    }

    @Test func aCommandTriggerOnAnUnknownCommandIsWarnedAbout() throws {
        let read = try Self.read("  config.trigger.before :bogus, type: :command, info: \"x\"", environment: ["VAGRANT_EXPERIMENTAL": "1"])
        #expect(read.warnings.map(\.message).contains("The command 'bogus' was not found for this trigger."))
    }

    // MARK: ruby blocks

    static func facts(output: Output, commands: Locked<[String]>) throws -> (TriggerEnvironmentFacts, TriggerMachineFacts) {
        let read = try VagrantfileLoader.evaluate(source: "Vagrant.configure(\"2\") { |c| c.vm.hostname = \"web.test\" }")
        let machine = TriggerMachineFacts(
            machine: try #require(read.machines.first),
            id: "4f2c", state: "running", provider: "qemu", dataDirectory: "/p/.vagrant/machines/default/qemu",
            sshInfo: .init(host: "127.0.0.1", port: 2200, username: "vagrant", privateKeyPath: ["/k"]), output: output
        ) { command, sudo in
            commands.withLock { $0.append((sudo ? "sudo " : "") + command) }
            return .init(status: command == "false" ? 1 : 0, output: "line one\nline two\n", error: "")
        }
        let environment = TriggerEnvironmentFacts(
            root: "/p", vagrantfileName: "Vagrantfile", machineNames: ["default"], primaryMachine: nil, home: "/h",
            defaultProvider: "qemu", activeMachines: [("default", "qemu")], machines: [machine], output: output)
        return (environment, machine)
    }

    @Test func rubyBlocksRunLaterWithEnvAndMachine() async throws {
        let read = try Self.read(
            """
              seen = []
              config.trigger.after :up do |t|
                t.ruby do |env, machine|
                  seen << machine.name
                  machine.ui.info("#{machine.name} #{machine.id} #{machine.state.id.inspect} #{machine.provider_name}")
                  machine.ui.info("#{env.root_path} #{env.machine_names.inspect} #{env.active_machines.inspect} #{seen.size}")
                  machine.ui.info("#{machine.ssh_info[:host]}:#{machine.ssh_info[:port]} #{machine.config.vm.hostname}")
                  env.active_machines.each do |name, provider|
                    other = env.machine(name, provider)
                    other.communicate.sudo("hostname") { |type, data| other.ui.info("#{type}: #{data.chomp}") }
                  end
                  machine.ui.warn("test? #{machine.communicate.test('false')}")
                end
              end
            """)
        let blocks = try #require(read.rubyTriggerBlocks)
        let index = try #require(read.machines.first?.triggers.first?.rubyBlock)
        let renderer = CollectingRenderer()
        let commands = Locked<[String]>([])
        let (environment, machine) = try Self.facts(output: Output(renderer), commands: commands)
        try await blocks.call(index, environment: environment, machine: machine)
        try await blocks.call(index, environment: environment, machine: machine)
        // The block's variables live on between calls, as the file's closures do in Vagrant.
        #expect(
            renderer.messages(.info) == [
                "default 4f2c :running qemu", "/p [:default] [[:default, :qemu]] 1", "127.0.0.1:2200 web.test", "stdout: line one",
                "stdout: line two",
                "default 4f2c :running qemu", "/p [:default] [[:default, :qemu]] 2", "127.0.0.1:2200 web.test", "stdout: line one",
                "stdout: line two",
            ])
        #expect(renderer.messages(.warn) == ["test? false", "test? false"])
        #expect(commands.current == ["sudo hostname", "false", "sudo hostname", "false"])
    }

    @Test func aFailingBlockNamesItsLine() async throws {
        let read = try Self.read("  config.trigger.before :up do |t|\n    t.ruby { |env, m| m.communicate.execute(\"false\") }\n  end")
        let blocks = try #require(read.rubyTriggerBlocks)
        let (environment, machine) = try Self.facts(output: Output(CollectingRenderer()), commands: Locked([]))
        await #expect {
            try await blocks.call(0, environment: environment, machine: machine)
        } throws: { error in
            "\(error)".contains(":4:") && "\(error)".contains("The command false exited with status 1")
        }
    }
}

/// vagrant-hostmanager's settings, which boxer has built in.
@Suite struct HostManagerSettingsTests {
    @Test func settingsAndDefaults() throws {
        let read = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.hostmanager.enabled = Vagrant.has_plugin?("vagrant-hostmanager")
                  config.hostmanager.ignore_private_ip = false
                  config.vm.define "web" do |web|
                    web.hostmanager.aliases = %w[www web.local]
                    web.vm.provision :hostmanager
                  end
                  config.vm.define "db"
                end
                """)
        #expect(read.problems.isEmpty && read.warnings.isEmpty, "\(read.problems) \(read.warnings.map(\.message))")
        let web = try #require(read.machine(named: "web")?.hostManager)
        #expect(web.enabled && web.manageGuest && !web.manageHost && !web.includeOffline && web.aliases == ["www", "web.local"])
        #expect(read.machine(named: "db")?.hostManager.aliases == [])
        #expect(read.machine(named: "web")?.provisioners.map(\.type) == ["hostmanager"])
        let unknown = try VagrantfileLoader.evaluate(
            source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"x\"; c.hostmanager.enabeld = true }")
        #expect(unknown.problems.map(\.message) == ["HostManager configuration: The following settings shouldn't exist: enabeld"])
    }
}

extension HostManagerSettingsTests {
    @Test func valuesAreCheckedAsThePluginChecksThem() throws {
        let read = try VagrantfileLoader.evaluate(
            source:
                "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"x\"\n  c.hostmanager.enabled = \"yes\"\n  c.hostmanager.aliases = 3\nend\n"
        )
        #expect(
            read.problems.map(\.message) == [
                "HostManager configuration: A value for hostmanager.enabled can be true or false.",
                "HostManager configuration: A value for hostmanager.aliases must be an Array or String.",
            ])
    }
}
