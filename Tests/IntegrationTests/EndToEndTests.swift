import BoxerTestSupport
import Foundation
import Testing

/// Real machines: the tiny box booted under QEMU (TCG here, KVM where it works), driven only
/// through the `boxer` binary, logged into with the OpenSSH client. Serialized: each test boots
/// guests, and the host has two cores.
extension MachineSuites {
    @Suite struct EndToEndTests {
        /// The example project's Vagrantfile (empty when it cannot be read, which the test then says).
        static let quickstart =
            (try? String(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent()
                    .appendingPathComponent("Vagrantfile.examples/quickstart/Vagrantfile"), encoding: .utf8)) ?? ""

        /// up → ssh -c → provision → halt → up → destroy on the two-machine quickstart, leaving no
        /// QEMU and no file behind.
        @Test func twoMachineLifecycle() throws {
            let project = try MachineProject(vagrantfile: Self.quickstart)

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> web: Machine booted and ready!"))
            #expect(up.output.contains("==> db: Machine booted and ready!"))
            #expect(up.output.contains("    web: hello from web"), "the once provisioner's output, prefixed")
            #expect(up.output.contains("    db: boots: 1"))
            #expect(project.qemuPIDs.count == 2)

            let status = try project.boxer(["status"])
            #expect(status.output.contains("web                       running (qemu)"), "\(status.output)")
            #expect(status.output.contains("db                        running (qemu)"))

            let hostname = try project.boxer(["ssh", "web", "-c", "hostname; cat /tmp/provisioned"])
            #expect(hostname.status == 0, "\(hostname.error)")
            #expect(hostname.output == "web\nprovisioned web for boxer\n")
            // The machine's own key was put in place; the insecure key no longer gets in.
            let keys = try project.boxer(["ssh", "db", "-c", "cat ~/.ssh/authorized_keys"])
            let ownKey = try String(
                contentsOf: project.root.appendingPathComponent(".vagrant/machines/db/qemu/private_key.pub"), encoding: .utf8)
            #expect(keys.output.trimmingCharacters(in: .whitespacesAndNewlines) == ownKey.trimmingCharacters(in: .whitespacesAndNewlines))
            let privateKeyMode =
                try FileManager.default.attributesOfItem(
                    atPath: project.root.appendingPathComponent(".vagrant/machines/db/qemu/private_key").path)[.posixPermissions] as? Int
            #expect(privateKeyMode == 0o600)
            // The machine's disk (its overlay) keeps what is written to it across halt and up.
            #expect(try project.boxer(["ssh", "web", "-c", "echo kept > /boot/marker && sync"]).status == 0)
            let failing = try project.boxer(["ssh", "db", "-c", "exit 7"])
            #expect(failing.status == 7, "ssh -c exits with the command's status")

            let provision = try project.boxer(["provision", "db", "--provision-with", "hello"])
            #expect(provision.status == 0, "\(provision.error)")
            #expect(provision.output.contains("    db: hello from db"))
            #expect(!provision.output.contains("boots:"), "--provision-with runs only the named provisioner")

            // A guest that powers itself off is "poweroff", not "aborted"; reload brings back only
            // the machine named.
            _ = try project.boxer(["ssh", "db", "-c", "poweroff"])  // the connection may drop as it goes
            for _ in 0..<100 where project.qemuPIDs.count == 2 { usleep(100_000) }
            #expect(try project.boxer(["status", "db"]).output.contains("db                        poweroff (qemu)"))
            let reload = try project.boxer(["reload", "db"])
            #expect(reload.status == 0, "\(reload.error)")
            #expect(try project.boxer(["status"]).output.contains("db                        running (qemu)"))

            let halt = try project.boxer(["halt"])
            #expect(halt.status == 0, "\(halt.error)")
            #expect(project.qemuPIDs.isEmpty, "halt stops every QEMU")
            #expect(try project.boxer(["status", "web"]).output.contains("web                       poweroff (qemu)"))

            let again = try project.boxer(["up"])
            #expect(again.status == 0, "\(again.error)")
            #expect(!again.output.contains("Running provisioner: hello"), "once provisioners do not run on a second up")
            #expect(again.output.contains("==> web: Running provisioner: boot-count"), "run: always provisioners do")
            #expect(try project.boxer(["ssh", "web", "-c", "cat /boot/marker"]).output == "kept\n")
            let port = try project.boxer(["port", "web", "--guest", "80"])
            #expect(
                port.status == 0
                    && Int(port.output.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 == 8080 || (2200...2250).contains($0) }
                        == true,
                "port: \(port.output)")

            let destroy = try project.boxer(["destroy", "-f"])
            #expect(destroy.status == 0, "\(destroy.error)")
            #expect(project.qemuPIDs.isEmpty)
            let left = TemporaryFolder.tree(project.root.appendingPathComponent(".vagrant/machines"))
            #expect(left.isEmpty, "destroy leaves nothing: \(left)")
            let runtime = TemporaryFolder.tree(project.home.appendingPathComponent("run"))
            #expect(runtime.isEmpty, "no sockets left: \(runtime)")
            let index = try String(contentsOf: project.home.appendingPathComponent("data/machine-index/index"), encoding: .utf8)
            #expect(index.contains("\"machines\":{}"), "index entries removed: \(index)")
        }

        /// A box without a seed keeps Vagrant's insecure key: boxer gets in with it, puts the
        /// machine's own key in its place, and the insecure key no longer works.
        @Test func insecureKeyIsReplaced() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.provider "qemu" do |qemu|
                        qemu.cloud_init = false
                      end
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.error)")
            #expect(up.output.contains("Vagrant insecure key detected. Replacing it with a newly generated keypair..."), "\(up.output)")
            let keys = try project.boxer(["ssh", "-c", "cat ~/.ssh/authorized_keys"])
            let ownKey = try String(
                contentsOf: project.root.appendingPathComponent(".vagrant/machines/default/qemu/private_key.pub"), encoding: .utf8)
            #expect(keys.output.trimmingCharacters(in: .whitespacesAndNewlines) == ownKey.trimmingCharacters(in: .whitespacesAndNewlines))
            let port = try #require(
                Int(try project.boxer(["port", "--guest", "22"]).output.trimmingCharacters(in: .whitespacesAndNewlines)))
            let insecure = try ProgramRun.run(
                "ssh",
                [
                    "-p", "\(port)", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "IdentitiesOnly=yes", "-i", project.home.appendingPathComponent("insecure_private_key").path, "vagrant@127.0.0.1",
                    "true",
                ])
            #expect(insecure.status != 0, "the insecure key is refused once replaced")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }

        /// An arm64 box runs under qemu-system-aarch64 with UEFI (AAVMF, per-machine variables),
        /// emulated on an x86 host.
        @Test func arm64MachineBootsUnderUEFI() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny-arm64"
                      config.vm.hostname = "armed"
                    end
                    """, box: "tiny-arm64", boxName: "boxer/tiny-arm64")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            let run = try project.boxer(["ssh", "-c", "uname -m; hostname"])
            #expect(run.output == "aarch64\narmed\n", "\(run.error)")
            #expect(
                FileManager.default.fileExists(
                    atPath: project.root.appendingPathComponent(".vagrant/machines/default/qemu/efivars.fd").path))
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.qemuPIDs.isEmpty)
        }

        /// A real Debian 12 guest with cloud-init: boxer's NoCloud seed gives it its hostname, the
        /// `vagrant` user with sudo and the machine's key; `.` is rsynced to /vagrant; a privileged
        /// shell provisioner runs as root; halt is a graceful ACPI shutdown.
        @Test func debianWithCloudInit() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/debian"
                      config.vm.hostname = "deb1"
                      config.vm.provision "shell", inline: "cloud-init status --wait >/dev/null; echo provisioned as $(id -un) on $(hostname)"
                    end
                    """, box: "debian-amd64", boxName: "boxer/debian")
            try Data("synced from the host\n".utf8).write(to: project.root.appendingPathComponent("hello.txt"))
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Rsyncing folder: \(project.root.path)/ => /vagrant"))
            #expect(up.output.contains("    default: provisioned as root on deb1"), "\(up.output)")
            let checks = try project.boxer([
                "ssh", "-c",
                "cloud-init status; id -un; hostname; sudo -n true && echo sudo; cat /vagrant/hello.txt; cat ~/.ssh/authorized_keys",
            ])
            let ownKey = try String(
                contentsOf: project.root.appendingPathComponent(".vagrant/machines/default/qemu/private_key.pub"), encoding: .utf8)
            #expect(
                checks.output
                    == "status: done\nvagrant\ndeb1\nsudo\nsynced from the host\n\(ownKey.trimmingCharacters(in: .whitespacesAndNewlines))\n",
                "\(checks.output)\n\(checks.error)")
            let halt = try project.boxer(["halt"])
            #expect(halt.status == 0 && halt.output.contains("Attempting graceful shutdown"))
            #expect(try project.boxer(["status"]).output.contains("default                   poweroff (qemu)"))
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.qemuPIDs.isEmpty)
        }

        /// NIC2: two machines of one environment get 192.168.X.2 and .3 by DHCP from the switch at
        /// 192.168.X.1 and ping each other; a machine of a second environment gets another X and
        /// cannot reach them; destroying an environment's last machine stops its switch and frees X.
        @Test func environmentNetworks() throws {
            let first = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.define "one"
                      config.vm.define "two"
                    end
                    """)
            #expect(try first.boxer(["up"]).status == 0)
            let one = try first.boxer(["ssh", "one", "-c", "ip -4 -o addr show eth1"])
            let two = try first.boxer(["ssh", "two", "-c", "ip -4 -o addr show eth1"])
            let addresses = [one.output, two.output].compactMap { $0.split(separator: " ").first { $0.hasPrefix("192.168.") } }.map(
                String.init
            ).sorted()
            #expect(addresses.count == 2 && addresses.allSatisfy { $0.hasSuffix("/24") }, "\(one.output) \(two.output)")
            let subnet = try #require(addresses.first?.split(separator: ".").dropFirst(2).first.flatMap { Int($0) })
            #expect(Set(addresses) == ["192.168.\(subnet).2/24", "192.168.\(subnet).3/24"])
            let otherAddress = two.output.contains("192.168.\(subnet).2/") ? "192.168.\(subnet).2" : "192.168.\(subnet).3"
            #expect(
                try first.boxer([
                    "ssh", "one", "-c",
                    "ping -c 2 -W 3 \(otherAddress) >/dev/null && ping -c 1 -W 3 192.168.\(subnet).1 >/dev/null && echo reached",
                ]).output == "reached\n")
            #expect(first.switchPIDs.count == 1)

            // A second environment, sharing the same BOXER_HOME (the registry lives there).
            let secondRoot = try first.temporary.folder("second")
            try Data("Vagrant.configure(\"2\") { |config| config.vm.box = \"boxer/tiny\" }\n".utf8).write(
                to: secondRoot.appendingPathComponent("Vagrantfile"))
            let up = try ProgramRun.run(first.binary, ["up"], environment: first.environment, directory: secondRoot)
            defer { _ = try? ProgramRun.run(first.binary, ["destroy", "-f"], environment: first.environment, directory: secondRoot) }
            #expect(up.status == 0, "\(up.error)")
            let third = try ProgramRun.run(
                first.binary, ["ssh", "-c", "ip -4 -o addr show eth1; ping -c 1 -W 2 \(otherAddress) >/dev/null 2>&1 || echo isolated"],
                environment: first.environment, directory: secondRoot)
            #expect(!third.output.contains("192.168.\(subnet)."), "another environment, another network: \(third.output)")
            #expect(third.output.contains("isolated"))
            #expect(first.switchPIDs.count == 2)

            #expect(try first.boxer(["destroy", "-f"]).status == 0)
            #expect(first.switchPIDs.count == 1, "the first environment's switch stopped with its last machine")
            let registry = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: first.home.appendingPathComponent("data/networks.json")))
                    as? [String: Any])
            // 192.168.X networks are written as X, as older boxers wrote them.
            let environments = try #require(registry["environments"] as? [String: Int])
            #expect(environments[first.root.path] == nil, "and its subnet is free again")
            #expect(environments[secondRoot.path] != nil && environments[secondRoot.path] != subnet)
        }

        /// Static addresses by DHCP reservation, `status` and `ssh-config --internal` showing NIC2,
        /// a switch killed with -9 while the machines run (seen by `status`, healed by `up` with the
        /// leases kept and no machine restarted), and another environment refused the subnet. The
        /// addresses are outside 192.168 (issue 16: real projects name their own /24, such as
        /// kubeadm labs' 10.0.0.x), so the environment's network is the one they name.
        @Test func staticAddressesAndAKilledSwitch() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.define "one" do |m|
                        m.vm.network "private_network", ip: "10.77.7.10"
                      end
                      config.vm.define "two" do |m|
                        m.vm.network "private_network", type: "dhcp"
                      end
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            #expect(up.output.contains("NIC2 10.77.7.10 on 10.77.7.0/24"), "\(up.output)")
            let status = try project.boxer(["status"])
            #expect(status.output.contains("Internal network 10.77.7.0/24 (switch pid"), "\(status.output)")
            #expect(status.output.contains("one                     10.77.7.10 (static)"), "\(status.output)")
            #expect(status.output.contains("two                     10.77.7.2 (dhcp)"), "\(status.output)")
            let internalConfig = try project.boxer(["ssh-config", "--internal", "one"])
            #expect(
                internalConfig.output.contains("HostName 10.77.7.10\n") && internalConfig.output.contains("Port 22\n"),
                "\(internalConfig.output)")
            let reach = "ping -c 1 -W 3 10.77.7.2 >/dev/null && echo reached || echo unreachable"
            #expect(try project.boxer(["ssh", "one", "-c", reach]).output == "reached\n")

            // kill -9 of the switch while both machines run.
            let switchPID = try #require(project.switchPIDs.first)
            let qemus = Set(project.qemuPIDs)
            kill(switchPID, SIGKILL)
            for _ in 0..<50 where kill(switchPID, 0) == 0 { usleep(20_000) }
            let broken = try project.boxer(["status"])
            #expect(broken.output.contains("its switch is NOT running"), "\(broken.output)")
            #expect(try project.boxer(["ssh", "one", "-c", reach]).output == "unreachable\n")

            let repair = try project.boxer(["up"])
            #expect(repair.status == 0, "\(repair.error)")
            #expect(repair.output.contains("was not running; starting it again"), "\(repair.output)")
            #expect(Set(project.qemuPIDs) == qemus, "no machine was restarted")
            #expect(project.switchPIDs.count == 1 && project.switchPIDs.first != switchPID)
            #expect(try project.boxer(["ssh", "one", "-c", reach]).output == "reached\n", "NIC2 heals without a reboot")
            // The new switch took the leases up again: a renewal keeps .2 for two.
            let renewed = try project.boxer([
                "ssh", "two", "-c", "kill -USR1 $(cat /run/udhcpc.eth1.pid); sleep 3; ip -4 -o addr show eth1",
            ])
            #expect(renewed.output.contains("10.77.7.2/24"), "\(renewed.output)")

            // Another environment that writes addresses in this one's subnet is refused before
            // anything is created.
            let secondRoot = try project.temporary.folder("second")
            try Data(
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"boxer/tiny\"\n  config.vm.network \"private_network\", ip: \"10.77.7.20\"\nend\n"
                    .utf8
            )
            .write(to: secondRoot.appendingPathComponent("Vagrantfile"))
            let refused = try ProgramRun.run(project.binary, ["up"], environment: project.environment, directory: secondRoot)
            #expect(refused.status != 0)
            #expect(
                refused.error.contains("10.77.7.0/24 is the internal network of another environment (\(project.root.path))"),
                "\(refused.error)")
            #expect(
                !FileManager.default.fileExists(atPath: secondRoot.appendingPathComponent(".vagrant/machines/default/qemu/id").path),
                "nothing created")

            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.switchPIDs.isEmpty)
        }
    }
}
