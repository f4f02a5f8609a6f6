import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// vagrant-hostmanager's settings, built in: three guests resolve each other by hostname
    /// and alias through /etc/hosts over the environment network, and a destroyed machine
    /// leaves every file that listed it.
    @Suite struct HostsFileEndToEndTests {
        @Test func threeMachinesResolveEachOther() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      if Vagrant.has_plugin?("vagrant-hostmanager")
                        config.hostmanager.enabled = true
                        config.hostmanager.manage_host = true
                      end
                      %w[web db cache].each do |name|
                        config.vm.define name do |node|
                          node.vm.hostname = "#{name}.lab.test"
                          node.hostmanager.aliases = ["#{name}-alias"]
                        end
                      end
                    end
                    """)
            // The host's file is a stand-in: tests never write the real /etc/hosts.
            let hosts = project.root.appendingPathComponent("host-hosts")
            try "127.0.0.1 localhost\n".write(to: hosts, atomically: true, encoding: .utf8)
            let extra = ["BOXER_HOSTS_FILE": hosts.path]
            let up = try project.boxer(["up"], extra: extra)
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            for (from, others) in [("web", ["db", "cache"]), ("db", ["web", "cache"]), ("cache", ["web", "db"])] {
                let names = others.flatMap { ["\($0).lab.test", "\($0)-alias"] }
                let script = names.map { "sudo ping -c1 -W5 \($0) >/dev/null && echo \($0)" }.joined(separator: "; ")
                let resolved = try project.boxer(["ssh", from, "-c", script], extra: extra)
                #expect(resolved.output == names.map { $0 + "\n" }.joined(), "\(from): \(resolved.output) \(resolved.error)")
            }
            let hostFile = try String(contentsOf: hosts, encoding: .utf8)
            #expect(hostFile.hasPrefix("127.0.0.1 localhost\n\n## vagrant-hostmanager-start id: "))
            #expect(hostFile.components(separatedBy: "\n").filter { $0.hasSuffix(".lab.test") || $0.hasSuffix("-alias") }.count == 6)

            #expect(try project.boxer(["destroy", "-f", "cache"], extra: extra).status == 0)
            let after = try project.boxer(["ssh", "web", "-c", "cat /etc/hosts"], extra: extra)
            #expect(after.output.contains("\tdb-alias") && !after.output.contains("cache"), "\(after.output)")
            #expect(!(try String(contentsOf: hosts, encoding: .utf8)).contains("cache"))
        }
    }
}
