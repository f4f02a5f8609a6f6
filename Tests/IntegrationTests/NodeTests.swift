import BoxerTestSupport
import Foundation
import Testing

/// Nodes from the shell (`boxer node`, `boxer volume`) and `boxer serve` killed with SIGKILL in
/// the middle of a create. The Libcloud driver's own tests (clients/libcloud, pytest) drive the
/// API; these check what the shell gives and what a crash leaves.
extension MachineSuites {
    @Suite(.serialized) struct NodeTests {
        /// A home with the tiny box and its nodes destroyed at the end, failed or not.
        final class NodeHome: @unchecked Sendable {
            let project: MachineProject

            init(box: String = "tiny-amd64", boxName: String = "boxer/tiny") throws {
                project = try MachineProject(vagrantfile: "# nodes only\n", box: box, boxName: boxName)
            }

            var nodes: URL { project.home.appendingPathComponent("nodes") }

            func boxer(_ arguments: [String]) throws -> ProgramRun { try project.boxer(arguments) }

            /// The nodes' live QEMUs, by their pidfiles.
            var qemuPIDs: [Int32] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: nodes.path)) ?? []
                return names.compactMap { name in
                    let pidFile = nodes.appendingPathComponent("\(name)/.vagrant/machines/\(name)/qemu/qemu.pid")
                    guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
                        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
                    else { return nil }
                    return pid
                }
            }

            deinit {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: nodes.path)) ?? [] where !name.hasPrefix(".") {
                    _ = try? boxer(["node", "destroy", name])
                }
                for pid in qemuPIDs { kill(pid, SIGKILL) }
            }
        }

        @Test func theShellHasEveryOperation() throws {
            let home = try NodeHome()
            let key = home.project.home.appendingPathComponent("key")
            _ = try ProgramRun.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key.path])
            let create = try home.boxer([
                "node", "create", "web", "--image", "boxer/tiny:0::libvirt", "--size", "c1-m512", "--ssh-key", key.path + ".pub",
            ])
            #expect(create.status == 0, "\(create.error)")
            #expect(create.output.contains("Node web is running; ssh -p "), "\(create.output)")
            let list = try home.boxer(["node", "list"])
            #expect(list.output.contains("web   running  c1-m512  boxer/tiny:0::libvirt  127.0.0.1:"), "\(list.output)")
            let show = try home.boxer(["node", "show", "web"])
            let view = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
            #expect(view?["state"] as? String == "running" && view?["size_id"] as? String == "c1-m512", "\(show.output)")

            for step in [
                ["volume", "create", "data", "--size-mib", "16"], ["volume", "attach", "data", "--node", "web"],
                ["volume", "snapshot", "take", "data", "s1"], ["volume", "snapshot", "revert", "data", "s1"],
                ["node", "forward", "add", "web", "--guest", "22", "--host", "0", "--host-ip", "127.0.0.1"],
            ] {
                let run = try home.boxer(step)
                if step.contains("--host") {
                    // Port 0 is refused: a forward names its port or gets a free one.
                    #expect(run.status == 1 && run.error.contains("host_port 0 is not a port"), "\(run.error)")
                } else {
                    #expect(run.status == 0, "\(step): \(run.error)")
                }
            }
            let added = try home.boxer(["node", "forward", "add", "web", "--guest", "22"])
            #expect(added.status == 0, "\(added.error)")
            let id = try #require(added.output.split(separator: "(id ").last?.split(separator: ")").first.map(String.init))
            // The forward reaches the guest's SSH server.
            let port = try #require(id.split(separator: "-").last.flatMap { Int($0) })
            let banner = try ProgramRun.run("sh", ["-c", "timeout 5 nc 127.0.0.1 \(port) </dev/null | head -c 7"])
            #expect(banner.output == "SSH-2.0", "\(banner.output)\(banner.error)")
            #expect(try home.boxer(["volume", "list"]).output.contains("data  16 MiB  qcow2  attached to web"))
            #expect(try home.boxer(["volume", "destroy", "data"]).error.contains("attached to node web; detach it first"))
            #expect(try home.boxer(["node", "forward", "remove", "web", id]).status == 0)
            #expect(try home.boxer(["volume", "detach", "data"]).status == 0)
            #expect(try home.boxer(["volume", "snapshot", "list", "data"]).output.hasPrefix("s1"))
            #expect(try home.boxer(["volume", "destroy", "data"]).status == 0)
            #expect(try home.boxer(["node", "stop", "web"]).status == 0)
            #expect(try home.boxer(["node", "list"]).output.contains("web   stopped"))
            #expect(try home.boxer(["node", "destroy", "web"]).status == 0)
            #expect(home.qemuPIDs.isEmpty)
            #expect(try home.boxer(["node", "list"]).output.contains("There are no nodes"))
            #expect((try? FileManager.default.contentsOfDirectory(atPath: home.nodes.path)) == [])
        }

        /// Real cloud-init and systemd on the Debian test box take a node's credentials: the
        /// password logs in over SSH, the key reaches root through DMI (systemd's
        /// ssh.authorized_keys.root credential), and the DMI serial names the node.
        @Test func aCloudInitGuestTakesThePasswordAndTheDMIKey() throws {
            let home = try NodeHome(box: "debian-amd64", boxName: "boxer/debian")
            let folder = home.project.home
            let key = folder.appendingPathComponent("key")
            _ = try ProgramRun.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key.path])
            let password = "Node-Pass-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            try Data((password + "\n").utf8).write(to: folder.appendingPathComponent("password"))
            let askpass = folder.appendingPathComponent("askpass")
            try Data("#!/bin/sh\necho '\(password)'\n".utf8).write(to: askpass)
            chmod(askpass.path, 0o700)
            let create = try home.boxer([
                "node", "create", "deb", "--image", "boxer/debian:0::libvirt", "--size", "c1-m1024", "--ssh-key", key.path + ".pub",
                "--password-file", folder.appendingPathComponent("password").path,
            ])
            #expect(create.status == 0, "\(create.output)\n\(create.error)")
            let show = try home.boxer(["node", "show", "deb"])
            let view = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
            let port = try #require(view?["ssh_port"] as? Int, "\(show.output)")
            let options = [
                "-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-p", "\(port)",
            ]
            let withKey = try ProgramRun.run(
                "ssh",
                options + [
                    "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-i", key.path, "vagrant@127.0.0.1",
                    "sudo cat /sys/class/dmi/id/product_serial; sudo cat /root/.ssh/authorized_keys; cloud-init status --wait >/dev/null; echo done",
                ])
            let publicKey = try String(contentsOf: URL(fileURLWithPath: key.path + ".pub"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            #expect(withKey.output.hasPrefix("ds=nocloud;h=deb\n"), "\(withKey.output)\(withKey.error)")
            #expect(withKey.output.contains(publicKey), "systemd put the DMI key in root's authorized_keys: \(withKey.output)")
            // The password, typed by SSH_ASKPASS, with keys refused.
            var environment = ProcessInfo.processInfo.environment
            environment["SSH_ASKPASS"] = askpass.path
            environment["SSH_ASKPASS_REQUIRE"] = "force"
            environment["DISPLAY"] = ":0"
            let withPassword = try ProgramRun.run(
                "ssh",
                options + [
                    "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no",
                    "vagrant@127.0.0.1", "echo in-with-the-password",
                ], environment: environment)
            #expect(withPassword.output == "in-with-the-password\n", "\(withPassword.output)\(withPassword.error)")
            #expect(try home.boxer(["node", "destroy", "deb"]).status == 0)
            #expect(home.qemuPIDs.isEmpty)
        }

        /// A guest that reads no seed is let in with the insecure key, which boxer replaces: the
        /// provider block's `authorized_keys` (what nodes are given) are kept beside the machine's own.
        @Test func extraKeysSurviveTheInsecureKeySwap() throws {
            let temporary = try TemporaryFolder("boxer-extra-key")
            let key = temporary.url.appendingPathComponent("key")
            _ = try ProgramRun.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key.path])
            let publicKey = try String(contentsOf: URL(fileURLWithPath: key.path + ".pub"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.synced_folder ".", "/vagrant", disabled: true
                      config.vm.provider :qemu do |qemu|
                        qemu.cloud_init = false
                        qemu.authorized_keys = ["\(publicKey)"]
                      end
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.output)\(up.error)")
            #expect(up.output.contains("Vagrant insecure key detected. Replacing it with a newly generated keypair..."), "\(up.output)")
            let keys = try project.boxer(["ssh", "-c", "cat ~/.ssh/authorized_keys"])
            #expect(keys.output.contains(publicKey) && keys.output.split(separator: "\n").count == 2, "\(keys.output)")
            #expect(!keys.output.contains("vagrant insecure public key"))
        }

        /// SIGKILL of `boxer serve` while it boots a node: the next `boxer serve` removes what the
        /// create made and marks the node failed; its TCP port is free again (QEMU holds none of
        /// the server's sockets).
        @Test func aKilledServerLeavesNoHalfNode() throws {
            let home = try NodeHome()
            let port = try LoopbackListener().port
            let socket = home.project.home.appendingPathComponent("run/api.sock").path
            func startServer() throws -> Process {
                let server = try home.project.startBoxer(["serve", "--listen", "127.0.0.1:\(port)"])
                for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
                for _ in 0..<100 where (try? ProgramRun.run("curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.status == 7 {
                    usleep(50_000)
                }
                return server
            }
            var server = try startServer()
            defer {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            let body = #"{"name": "cut", "image": "boxer/tiny:0::libvirt", "size": "c1-m512"}"#
            let posted = try ProgramRun.run(
                "curl", ["-sS", "--unix-socket", socket, "-H", "Content-Type: application/json", "-d", body, "http://boxer/v1/nodes"])
            #expect(posted.output.contains(#""status":"running""#), "\(posted.output)")
            // Killed once its QEMU runs, before the guest is up.
            for _ in 0..<200 where home.qemuPIDs.isEmpty { usleep(50_000) }
            let qemu = try #require(home.qemuPIDs.first, "the create started QEMU")
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            #expect(kill(qemu, 0) == 0, "QEMU outlives the server")

            server = try startServer()
            let listed = try ProgramRun.run("curl", ["-sS", "--unix-socket", socket, "http://boxer/v1/nodes/cut"])
            #expect(listed.output.contains(#""state":"error""#) && listed.output.contains("create was cut off"), "\(listed.output)")
            #expect(kill(qemu, 0) != 0, "the cut-off create's QEMU is gone")
            #expect(home.project.switchPIDs.isEmpty, "and its network")
            let destroyed = try ProgramRun.run(
                "curl", ["-sS", "-X", "DELETE", "--unix-socket", socket, "-w", "\n%{http_code}", "http://boxer/v1/nodes/cut?wait=true"])
            #expect(destroyed.output.hasSuffix("\n200"), "\(destroyed.output)")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: home.nodes.path)) == [])
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
            #expect(server.terminationStatus == 0)
        }
    }
}
