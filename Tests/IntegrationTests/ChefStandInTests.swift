import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// The `chef_solo` provisioner's uploaded files (solo.rb, dna.json, the host's cookbooks and
    /// roles) and command line, then `chef_zero`'s (client.rb in local mode with its nodes),
    /// against recording STAND-INs for `chef-solo` and `chef-client` in the tiny guest (Chef is
    /// not in the test boxes).
    @Suite struct ChefStandInTests {
        static let standIn = """
            #!/bin/sh
            echo "$*" > /tmp/chef-call
            cp /tmp/vagrant-chef/dna.json /tmp/chef-call.dna
            find /tmp/vagrant-chef -type f | sort > /tmp/chef-call.files
            """

        @Test func soloConfigDnaAndFoldersReachChefSolo() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.hostname = "chefbox"
                      config.vm.provision "file", source: "chef-stand-in", destination: "/tmp/chef-solo"
                      config.vm.provision "stand-in", type: "shell", inline: "cp /tmp/chef-solo /usr/bin/chef-solo && sed s/chef-call/chef-client-call/g /tmp/chef-solo > /usr/bin/chef-client && chmod 755 /usr/bin/chef-solo /usr/bin/chef-client"
                      config.vm.provision "chef_solo" do |chef|
                        chef.install = false
                        chef.cookbooks_path = ["cookbooks", [:vm, "/srv/cookbooks"]]
                        chef.roles_path = "roles"
                        chef.add_recipe "web"
                        chef.add_role "base"
                        chef.json = { "web" => { "port" => 8080 } }
                        chef.arguments = "--why-run"
                      end
                      config.vm.provision "zero", type: "chef_zero" do |chef|
                        chef.install = false
                        chef.cookbooks_path = "cookbooks"
                        chef.nodes_path = "nodes"
                        chef.add_recipe "web"
                      end
                    end
                    """)
            let root = project.root
            try project.write(Self.standIn, to: "chef-stand-in")
            try project.write("log 'hello'\n", to: "cookbooks/web/recipes/default.rb")
            try project.write("{}\n", to: "roles/base.json")
            try project.write("{}\n", to: "nodes/chefbox.json")

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Using hostname \"chefbox\" as node name for Chef..."))
            #expect(up.output.contains("==> default: Generating chef JSON and uploading..."))
            #expect(up.output.contains("==> default: Running chef-solo..."))
            let guest = try project.boxer([
                "ssh", "-c",
                "cat /tmp/chef-call /tmp/chef-call.dna; echo; cat /tmp/chef-call.files; printf '%s' '\(root.path)/cookbooks' | md5sum | cut -c1-32; printf '%s' '\(root.path)/roles' | md5sum | cut -c1-32",
            ])
            let lines = guest.output.split(separator: "\n").map(String.init)
            try #require(lines.count >= 8, "\(guest.output)\n\(guest.error)")
            let cookbooks = "/tmp/vagrant-chef/\(lines[lines.count - 2])/cookbooks"
            let roles = "/tmp/vagrant-chef/\(lines[lines.count - 1])/roles"
            #expect(
                lines[0]
                    == "--config /tmp/vagrant-chef/solo.rb --json-attributes /tmp/vagrant-chef/dna.json --log_level info --no-color --why-run"
            )
            #expect(lines[1] == #"{"run_list":["recipe[web]","role[base]"],"web":{"port":8080}}"#)
            #expect(
                Array(lines[2..<(lines.count - 2)])
                    == [
                        "\(cookbooks)/web/recipes/default.rb", "\(roles)/base.json", "/tmp/vagrant-chef/dna.json",
                        "/tmp/vagrant-chef/solo.rb",
                    ].sorted(), "\(lines)")
            let solo = try project.boxer(["ssh", "-c", "cat /tmp/vagrant-chef/solo.rb"]).output
            #expect(solo.contains("node_name \"chefbox\"\n"))
            #expect(solo.contains("cookbook_path [\"\(cookbooks)\", \"/srv/cookbooks\"]\n"), "\(solo)")
            #expect(solo.contains("role_path \"\(roles)\"\n"))
            #expect(solo.contains("log_level :info\n"))

            let zero = try project.boxer([
                "ssh", "-c",
                "cat /tmp/chef-client-call /tmp/vagrant-chef/client.rb; printf '%s' '\(root.path)/nodes' | md5sum | cut -c1-32",
            ]).output
            let zeroLines = zero.split(separator: "\n").map(String.init)
            let nodes = "/tmp/vagrant-chef/\(zeroLines.last ?? "")/nodes"
            #expect(
                zeroLines.first
                    == "--config /tmp/vagrant-chef/client.rb --json-attributes /tmp/vagrant-chef/dna.json --local-mode --log_level info --no-color",
                "\(zero)")
            #expect(zero.contains("local_mode true\n") && zero.contains("node_path \"\(nodes)\"\n"), "\(zero)")
            #expect(up.output.contains("==> default: Running chef-client (local-mode)..."))
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
