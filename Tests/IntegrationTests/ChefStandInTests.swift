import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// The `chef_solo` provisioner's uploaded files (solo.rb, dna.json, the host's cookbooks and
    /// roles) and command line, against a recording STAND-IN for `chef-solo` in the tiny guest
    /// (Chef is not in the test boxes).
    @Suite struct ChefStandInTests {
        static let standIn = """
            #!/bin/sh
            echo "$*" > /tmp/chef-call
            find /tmp/vagrant-chef -type f | sort > /tmp/chef-files
            """

        @Test func soloConfigDnaAndFoldersReachChefSolo() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.hostname = "chefbox"
                      config.vm.provision "file", source: "chef-stand-in", destination: "/tmp/chef-solo"
                      config.vm.provision "stand-in", type: "shell", inline: "cp /tmp/chef-solo /usr/bin/chef-solo && chmod 755 /usr/bin/chef-solo"
                      config.vm.provision "chef_solo" do |chef|
                        chef.install = false
                        chef.cookbooks_path = ["cookbooks", [:vm, "/srv/cookbooks"]]
                        chef.roles_path = "roles"
                        chef.add_recipe "web"
                        chef.add_role "base"
                        chef.json = { "web" => { "port" => 8080 } }
                        chef.arguments = "--why-run"
                      end
                    end
                    """)
            let root = project.root
            try Data(Self.standIn.utf8).write(to: root.appendingPathComponent("chef-stand-in"))
            _ = try project.temporary.folder("project/cookbooks/web/recipes")
            try Data("log 'hello'\n".utf8).write(to: root.appendingPathComponent("cookbooks/web/recipes/default.rb"))
            _ = try project.temporary.folder("project/roles")
            try Data("{}\n".utf8).write(to: root.appendingPathComponent("roles/base.json"))

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Using hostname \"chefbox\" as node name for Chef..."))
            #expect(up.output.contains("==> default: Generating chef JSON and uploading..."))
            #expect(up.output.contains("==> default: Running chef-solo..."))
            let guest = try project.boxer([
                "ssh", "-c",
                "cat /tmp/chef-call /tmp/vagrant-chef/dna.json; echo; cat /tmp/chef-files; printf '%s' '\(root.path)/cookbooks' | md5sum | cut -c1-32; printf '%s' '\(root.path)/roles' | md5sum | cut -c1-32",
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
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
