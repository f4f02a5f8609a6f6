import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// The `salt` provisioner on a masterless minion: its uploaded configuration and its
    /// `salt-call` command line, against recording STAND-INs for `salt-minion` and `salt-call`
    /// in the tiny guest (Salt is not in the test boxes).
    @Suite struct SaltStandInTests {
        static let standIn = """
            #!/bin/sh
            echo "$*" >> /tmp/salt-call-calls
            exit 0
            """

        @Test func masterlessHighstateWithPillarAndTheMinionConfig() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.provision "file", source: "salt-stand-in", destination: "/tmp/salt-call"
                      config.vm.provision "stand-in", type: "shell",
                        inline: "cp /tmp/salt-call /usr/bin/salt-call && cp /tmp/salt-call /usr/bin/salt-minion && chmod 755 /usr/bin/salt-call /usr/bin/salt-minion"
                      config.vm.provision "salt" do |salt|
                        salt.masterless = true
                        salt.minion_config = "salt/minion"
                        salt.run_highstate = true
                        salt.minion_id = "web1"
                        salt.pillar({ "app" => { "port" => 80 } })
                        salt.pillar({ "app" => { "name" => "x" } })
                        salt.salt_call_args = ["--state-output=mixed"]
                      end
                    end
                    """)
            try project.write(Self.standIn, to: "salt-stand-in")
            try project.write("file_client: local\n", to: "salt/minion")

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            for line in [
                "Copying salt minion config to vm.", "salt-minion found", "Salt binaries found. Configuring only.",
                "Salt successfully configured!", "Calling state.highstate... (this may take a while)",
            ] {
                #expect(up.output.contains("==> default: \(line)"), "\(line)\n\(up.output)")
            }
            let guest = try project.boxer(["ssh", "-c", "cat /etc/salt/minion /tmp/salt-call-calls"])
            #expect(
                guest.output
                    == "file_client: local\nstate.highstate --retcode-passthrough --local --id web1 --log-level=debug --no-color pillar={\"app\":{\"name\":\"x\",\"port\":80}} --state-output=mixed\n",
                "\(guest.output)\(guest.error)")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
