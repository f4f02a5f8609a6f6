import Foundation
import Testing
import Vagrantfile

/// Version 1 files (`Vagrant::Config.run`), which Vagrant still reads: their settings become
/// version 2's; their `network` and `forward_port`, which Vagrant 2.3.4 fails on too, are
/// refused with the line.
@Suite struct VersionOneTests {
    @Test func settingsBecomeVersionTwos() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant::Config.run do |config|
                  config.vm.box = "lucid32"
                  config.vm.box_url = "http://files.example/lucid32.box"
                  config.vm.host_name = "old"
                  config.vm.share_folder "v-data", "/data", "."
                  config.vm.provision :shell, inline: "echo hi"
                  config.vm.define :web do |web_config|
                    web_config.vm.box = "lucid64"
                  end
                end
                """)
        let machine = try #require(environment.machines.first)
        #expect(environment.machines.map(\.name) == ["web"])
        #expect(machine.box == "lucid64")
        #expect(machine.hostname == "old")
        #expect(machine.syncedFolders.contains { $0.guestPath == "/data" && $0.hostPath == "." })
        #expect(machine.provisioners.map(\.type) == ["shell"])
    }

    @Test func aVersionOneNetworkOrForwardIsRefusedWithItsLine() throws {
        let error = try #require(throws: VagrantfileError.self) {
            try VagrantfileLoader.evaluate(
                source: "Vagrant::Config.run do |config|\n  config.vm.box = \"b\"\n  config.vm.network :hostonly, \"33.33.33.10\"\nend\n")
        }
        #expect(error.location?.line == 3)
        #expect(error.message.contains("config.vm.network :hostonly is version 1 configuration"))
        #expect(error.hint?.contains("private_network") == true)
        let forward = try #require(throws: VagrantfileError.self) {
            try VagrantfileLoader.evaluate(source: "Vagrant::Config.run do |config|\n  config.vm.forward_port 80, 8080\nend\n")
        }
        #expect(forward.location?.line == 2)
        #expect(forward.message.contains("config.vm.forward_port is version 1 configuration"))
    }
}
