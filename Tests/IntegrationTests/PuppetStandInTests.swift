import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// The `puppet` (apply) provisioner's uploaded files and command line, against a recording
    /// STAND-IN for `puppet` in the tiny guest (Puppet is not in the test boxes).
    @Suite struct PuppetStandInTests {
        static let standIn = """
            #!/bin/sh
            echo "$FOO|$FACTER_role|$FACTER_tier|$(pwd)|$*" > /tmp/puppet-call
            find /tmp/vagrant-puppet -type f | sort > /tmp/puppet-files
            exit 2
            """

        @Test func manifestsModulesHieraAndFactsReachPuppetApply() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.provision "file", source: "puppet-stand-in", destination: "/tmp/puppet"
                      config.vm.provision "stand-in", type: "shell", inline: "cp /tmp/puppet /usr/bin/puppet && chmod 755 /usr/bin/puppet"
                      config.vm.provision "puppet" do |puppet|
                        puppet.manifests_path = "manifests"
                        puppet.manifest_file = "site.pp"
                        puppet.module_path = ["modules"]
                        puppet.hiera_config_path = "hiera.yaml"
                        puppet.facter = { "role" => "web", "tier" => "front end" }
                        puppet.options = ["--verbose"]
                        puppet.environment_variables = { "FOO" => "bar" }
                        puppet.working_directory = "/tmp"
                      end
                    end
                    """)
            let root = project.root
            try project.write(Self.standIn, to: "puppet-stand-in")
            try project.write("node default {}\n", to: "manifests/site.pp")
            try project.write("class web {}\n", to: "modules/web/manifests/init.pp")
            try project.write("---\nversion: 5\n", to: "hiera.yaml")

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Running Puppet with site.pp..."), "\(up.output)")
            let guest = try project.boxer([
                "ssh", "-c",
                "cat /tmp/puppet-call /tmp/puppet-files; printf manifests | md5sum | cut -c1-32; printf '%s' '\(root.path)/modules' | md5sum | cut -c1-32",
            ])
            let lines = guest.output.split(separator: "\n").map(String.init)
            try #require(lines.count >= 5, "\(guest.output)\n\(guest.error)")
            let manifests = "/tmp/vagrant-puppet/manifests-\(lines[lines.count - 2])"
            let modules = "/tmp/vagrant-puppet/modules-\(lines[lines.count - 1])"
            #expect(
                lines[0]
                    == "bar|web|front end|/tmp|apply --verbose --modulepath \(modules):/etc/puppet/modules --hiera_config=/tmp/vagrant-puppet/hiera.yaml --color=false --detailed-exitcodes \(manifests)/site.pp"
            )
            #expect(
                Array(lines[1..<(lines.count - 2)])
                    == ["/tmp/vagrant-puppet/hiera.yaml", "\(manifests)/site.pp", "\(modules)/web/manifests/init.pp"].sorted())
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
