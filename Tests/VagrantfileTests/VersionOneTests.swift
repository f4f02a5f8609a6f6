import Foundation
import Testing
import Vagrantfile

/// Version 1 files (`Vagrant::Config.run`), which Vagrant still reads: their settings become
/// version 2's; their `network`, which Vagrant 2.3.4 fails on too, is refused with the line.
@Suite struct VersionOneTests {
    @Test func settingsBecomeVersionTwos() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant::Config.run do |config|
                  config.vm.box = "lucid32"
                  config.vm.box_url = "http://files.example/lucid32.box"
                  config.vm.host_name = "old"
                  config.vm.forward_port 80, 8080
                  config.vm.share_folder "v-data", "/data", "."
                  config.vm.provision :shell, inline: "echo hi"
                  config.vm.define :web do |web_config|
                    web_config.vm.forward_port 443, 8443, auto: true
                  end
                end
                """)
        let machine = try #require(environment.machines.first)
        #expect(environment.machines.map(\.name) == ["web"])
        #expect(machine.box == "lucid32")
        #expect(machine.hostname == "old")
        let forwards = machine.networks.compactMap { network -> ForwardedPort? in
            if case .forwardedPort(let port) = network { return port }
            return nil
        }
        #expect(forwards.contains { $0.guest == 80 && $0.host == 8080 })
        #expect(forwards.contains { $0.guest == 443 && $0.host == 8443 && $0.autoCorrect })
        #expect(machine.syncedFolders.contains { $0.guestPath == "/data" && $0.hostPath == "." })
        #expect(machine.provisioners.map(\.type) == ["shell"])
    }

    @Test func aVersionOneNetworkIsRefusedWithItsLine() throws {
        let error = try #require(throws: VagrantfileError.self) {
            try VagrantfileLoader.evaluate(
                source: "Vagrant::Config.run do |config|\n  config.vm.box = \"b\"\n  config.vm.network :hostonly, \"33.33.33.10\"\nend\n")
        }
        #expect(error.location?.line == 3)
        #expect(error.message.contains("config.vm.network :hostonly is version 1 configuration"))
        #expect(error.hint?.contains("private_network") == true)
    }
}
