import BoxerTestSupport
import Foundation
import Testing

/// Triggers around the actions of the real `boxer`, on machines that are not created (Vagrant
/// runs an action, and fires its triggers, on those too), so no guest is needed. The messages
/// and their order are those vagrant 2.3.4 printed for the same file with a stand-in provider.
@Suite struct TriggerCommandTests {
    /// What `machine` said, in order: its `==> name:` and detail lines, prefixes removed.
    static func lines(of machine: String, in run: ProgramRun) -> [String] {
        (run.output + run.error).split(separator: "\n").compactMap { line in
            for prefix in ["==> \(machine): WARNING: ", "==> \(machine): ", "    \(machine): "] where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
            return nil
        }
    }

    @Test func haltAndDestroyFireTheirTriggersInOrder() throws {
        let runner = try CommandRunner()
        let project = try runner.project(
            "order",
            vagrantfile: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.trigger.before :halt do |t|
                    t.name = "Hello"
                    t.info = "info text"
                    t.run = {inline: "echo hi there"}
                  end
                  config.trigger.before :all do |t|
                    t.info = "all #{t.command}"
                    t.ignore = [:halt]
                  end
                  config.trigger.after :halt do |t|
                    t.warn = "warn text"
                    t.ruby do |env, machine|
                      machine.ui.info "ruby #{machine.name} #{machine.id.inspect} #{machine.state.id} #{env.machine_names.inspect}"
                    end
                  end
                  config.trigger.after :destroy do |t|
                    t.run = {path: "script.sh", args: ["a b", "c"], env: {"GREETING" => "hello"}}
                    t.exit_codes = [0, 3]
                  end
                  config.trigger.after :destroy do |t|
                    t.info = "continues"
                    t.run = {inline: "false"}
                    t.on_error = :continue
                  end
                  config.trigger.after :destroy do |t|
                    t.run_remote = {inline: "echo remote"}
                    t.on_error = :continue
                  end
                  config.vm.define "web" do |web|
                    web.trigger.before :halt, info: "web only"
                  end
                  config.vm.define "db"
                end
                """)
        let script = project.appendingPathComponent("script.sh")
        try "#!/bin/sh\necho \"script args: $1 / $2 / $3 $GREETING\"\nexit 3\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)

        let halt = try runner.boxer(["halt"], in: project)
        #expect(halt.status == 0, "\(halt.error)")
        let webHalt = Self.lines(of: "web", in: halt)
        // The file's triggers, then the machine's own; the after ones once the action is done.
        // (Warnings go to the error stream, so "warn text" is only checked to be there.)
        #expect(
            webHalt.filter { $0 != "warn text" } == [
                "Running action triggers before halt ...", "Running trigger: Hello...", "info text", "Running local: Inline script",
                "echo hi there", "hi there", "Running trigger...", "web only", "Running action triggers after halt ...",
                "Running trigger...", "ruby web nil not_created [:web, :db]",
            ])
        #expect(webHalt.contains("warn text"))
        #expect(!Self.lines(of: "db", in: halt).contains("web only"))

        let destroy = try runner.boxer(["destroy", "-f", "db"], in: project)
        #expect(destroy.status == 0, "\(destroy.error)")
        let lines = Self.lines(of: "db", in: destroy)
        #expect(
            lines.starts(with: [
                "Running action triggers before destroy ...", "Running trigger...", "all all", "VM not created. Moving on...",
            ]))
        #expect(lines.contains("Running local script: script.sh"))
        #expect(lines.contains("script args: a / b / c hello"))
        #expect(lines.contains("continues") && lines.contains("A script exited with an unacceptable exit code 1."))
        #expect(lines.filter { $0 == "Trigger configured to continue on error..." }.count == 2)
        #expect(lines.contains("Could not run remote script on guest because it does not exist."))
    }

    @Test func aFailingTriggerStopsTheCommand() throws {
        let runner = try CommandRunner()
        let project = try runner.project(
            "fails",
            vagrantfile: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.trigger.before :halt do |t|
                    t.name = "fails"
                    t.run = {inline: "sh -c 'echo out; echo err >&2; exit 4'"}
                  end
                  config.trigger.after :halt, info: "never shown"
                end
                """)
        let halt = try runner.boxer(["halt"], in: project)
        #expect(halt.status == 1)
        let lines = Self.lines(of: "default", in: halt)
        #expect(lines.contains("out") && lines.contains("err"))
        #expect(lines.contains("Trigger run failed") && lines.contains("A script exited with an unacceptable exit code 4."))
        #expect(!lines.contains("never shown"))
        #expect(halt.error.contains("The trigger 'fails' written at \(project.path)/Vagrantfile:3:"))
        #expect(halt.error.contains("on_error: :continue"))
    }

    @Test func abortEndsWithItsStatus() throws {
        let runner = try CommandRunner()
        let project = try runner.project(
            "abort",
            vagrantfile: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.trigger.before :destroy, abort: 7
                  config.trigger.after :destroy, info: "never shown"
                end
                """)
        let destroy = try runner.boxer(["destroy", "-f"], in: project)
        #expect(destroy.status == 7)
        #expect(Self.lines(of: "default", in: destroy).last == "boxer has been configured to abort. Terminating now...")
        #expect(!destroy.error.contains("Error"))
    }

    @Test func commandTriggersFireWithTheExperimentalFlag() throws {
        let runner = try CommandRunner()
        let project = try runner.project(
            "typed",
            vagrantfile: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.trigger.before :halt, type: :command, info: "before the command"
                  config.trigger.after :halt, type: :command, info: "after the command"
                  config.trigger.before :machine_action_halt, type: :hook, info: "hook"
                end
                """)
        let plain = try runner.boxer(["halt"], in: project)
        #expect(plain.status == 0 && !plain.output.contains("the command") && !plain.output.contains("hook"))
        let flagged = try runner.boxer(["halt"], in: project, environment: ["VAGRANT_EXPERIMENTAL": "typed_triggers"])
        #expect(flagged.status == 0, "\(flagged.error)")
        #expect(
            Self.lines(of: "boxer", in: flagged) == [
                "Running command triggers before halt ...", "Running trigger...", "before the command",
                "Running command triggers after halt ...", "Running trigger...", "after the command",
            ])
        #expect(
            Self.lines(of: "default", in: flagged) == [
                "Running hook triggers before machine_action_halt ...", "Running trigger...", "hook",
            ])
    }
}
