import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// What Vagrant configures itself on `up`: the hostname on a guest without cloud-init (the
    /// busybox test box), the Vagrantfile's post-up message, and `config.ssh` settings.
    @Suite struct GuestSettingsEndToEndTests {
        @Test func hostnamePostUpMessageAndSSHSettings() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.hostname = "app.lab.test"
                      config.vm.post_up_message = "Open http://localhost:8080"
                      config.ssh.sudo_command = "sudo env BOXER_SUDO=custom %c"
                      config.ssh.extra_args = ["-o", "SetEnv=UNUSED=1"]
                      config.ssh.forward_x11 = true
                      config.vm.provision "shell", inline: "echo provisioned as $(id -un) via $BOXER_SUDO"
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Setting hostname..."))
            #expect(up.output.contains("    default: provisioned as root via custom"), "sudo_command wraps privileged scripts")
            #expect(
                up.output.hasSuffix(
                    "==> default: Machine 'default' has a post `boxer up` message. This is a message\n==> default: from the creator of the Vagrantfile, and not from boxer itself:\n==> default: \n==> default: Open http://localhost:8080\n"
                ), "\(up.output)")
            let names = try project.boxer(["ssh", "-c", "hostname; cat /etc/hostname; grep app /etc/hosts"])
            #expect(names.output == "app.lab.test\napp.lab.test\n127.0.1.1 app.lab.test app\n", "\(names.output) \(names.error)")
            let config = try project.boxer(["ssh-config"])
            #expect(config.output.contains("  ForwardX11 yes"))
            // A second up leaves a guest that has its name alone.
            let again = try project.boxer(["up"])
            #expect(again.status == 0 && !again.output.contains("Setting hostname"), "\(again.output)")
        }
    }
}
