import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `config.trigger` on a real guest: host scripts, guest scripts and a ruby block fire
    /// before and after `up`, `ssh -c` and `destroy`, in order, with their output.
    @Suite struct TriggerEndToEndTests {
        @Test func triggersAroundUpSSHAndDestroy() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.trigger.before :up do |t|
                        t.info = "before up"
                        t.run = {inline: "sh -c 'echo host-before-up >> trigger.log'"}
                      end
                      config.trigger.after :up do |t|
                        t.name = "remote marker"
                        t.run_remote = {inline: "echo remote-after-up > /tmp/remote-marker; cat /tmp/remote-marker"}
                        t.ruby do |env, machine|
                          File.write("ruby-after-up.txt", "#{machine.name} #{machine.state.id} #{machine.id.nil? ? 'no id' : 'id'} #{machine.ssh_info[:host]}")
                          machine.communicate.execute("cat /tmp/remote-marker") { |type, data| machine.ui.info("ruby saw #{type}: #{data.chomp}") }
                        end
                      end
                      config.trigger.after :ssh_run, run: {inline: "sh -c 'echo host-after-ssh-run >> trigger.log'"}
                      config.trigger.before :destroy, run_remote: {inline: "echo remote-before-destroy"}
                      config.trigger.after :destroy, run: {inline: "sh -c 'echo host-after-destroy >> trigger.log'"}
                    end
                    """)
            let log = project.root.appendingPathComponent("trigger.log")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            let lines = up.output.split(separator: "\n").map(String.init)
            func position(_ text: String) -> Int? { lines.firstIndex { $0.contains(text) } }
            let before = try #require(position("==> default: Running action triggers before up ..."), "\(up.output)")
            let booting = try #require(position("==> default: Booting VM..."), "\(up.output)")
            let after = try #require(position("==> default: Running action triggers after up ..."), "\(up.output)")
            let remote = try #require(position("    default: remote-after-up"), "\(up.output)")
            let ruby = try #require(position("==> default: ruby saw stdout: remote-after-up"), "\(up.output)")
            #expect(before < booting && booting < after && after < remote && remote < ruby)
            #expect(lines[before + 2] == "==> default: before up")
            #expect(lines.contains("==> default: Running trigger: remote marker..."))
            #expect(try String(contentsOf: log, encoding: .utf8) == "host-before-up\n")
            #expect(
                try String(contentsOf: project.root.appendingPathComponent("ruby-after-up.txt"), encoding: .utf8)
                    == "default running id 127.0.0.1")

            let ssh = try project.boxer(["ssh", "-c", "echo in-guest; exit 3"])
            #expect(ssh.status == 3, "the command's status is passed on after the triggers")
            #expect(ssh.output.hasPrefix("in-guest\n"), "\(ssh.output)")
            #expect(ssh.output.contains("==> default: Running action triggers after ssh_run ..."))
            #expect(try String(contentsOf: log, encoding: .utf8) == "host-before-up\nhost-after-ssh-run\n")

            let destroy = try project.boxer(["destroy", "-f"])
            #expect(destroy.status == 0, "\(destroy.error)")
            let destroyLines = destroy.output.split(separator: "\n").map(String.init)
            let remoteBefore = try #require(destroyLines.firstIndex(of: "    default: remote-before-destroy"), "\(destroy.output)")
            let destroying = try #require(destroyLines.firstIndex(of: "==> default: Destroying VM and associated drives..."))
            #expect(remoteBefore < destroying)
            #expect(try String(contentsOf: log, encoding: .utf8) == "host-before-up\nhost-after-ssh-run\nhost-after-destroy\n")
            #expect(project.qemuPIDs.isEmpty)
        }

        /// A guest script on a machine that is not running: Vagrant's message, and the command
        /// stops unless the trigger says to continue.
        @Test func aRemoteTriggerNeedsARunningGuest() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.trigger.after :halt, run_remote: {inline: "true"}, on_error: :continue
                      config.trigger.before :provision, run_remote: {inline: "true"}
                    end
                    """)
            let up = try project.boxer(["up", "--no-provision"])
            #expect(up.status == 0, "\(up.error)")
            let halt = try project.boxer(["halt"])
            #expect(halt.status == 0, "\(halt.error)")
            #expect(
                (halt.output + halt.error).contains("==> default: Could not run remote script on default because its state is poweroff"))
            let provision = try project.boxer(["provision"])
            #expect(provision.status == 1)
            #expect(provision.error.contains("Could not run remote script on default because its state is poweroff"), "\(provision.error)")
        }
    }
}
