import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// Real provisioners on two Debian guests under QEMU: Debian's ansible-core on the host
    /// (`ansible`) and in the Debian test box (`ansible_local`), and Podman in the guest running a
    /// container from an image made offline (`podman import` of the guest's own busybox).
    @Suite struct ProvisionerEndToEndTests {
        static let vagrantfile = """
            Vagrant.configure("2") do |config|
              config.vm.box = "boxer/debian"
              config.vm.define "web" do |web|
                web.vm.provision "local", type: "ansible_local" do |ansible|
                  ansible.playbook = "local.yml"
                  ansible.install = false
                end
                web.vm.provision "image", type: "shell",
                  inline: "mkdir -p /tmp/rootfs/bin && cp /bin/busybox /tmp/rootfs/bin/ && ln -sf busybox /tmp/rootfs/bin/sh && tar -C /tmp/rootfs -c . | podman import - localhost/tiny:latest >/dev/null && echo imported"
                web.vm.provision "containers", type: "podman" do |podman|
                  podman.build_image "/vagrant/image", args: "--network=host -t localhost/built"
                  podman.run "hello", image: "localhost/built", cmd: "/bin/busybox sleep 100000", args: "--network=host"
                end
              end
              # The usual pattern: the last machine provisions every machine from the host.
              config.vm.define "db" do |db|
                db.vm.provision "site", type: "ansible" do |ansible|
                  ansible.playbook = "site.yml"
                  ansible.limit = "all"
                  ansible.extra_vars = { greeting: "hello" }
                  ansible.groups = { "app" => ["web"], "data" => ["db"], "servers:children" => ["app", "data"] }
                  ansible.host_vars = { "web" => { "role" => "front" }, "db" => { "role" => "store" } }
                end
              end
            end
            """

        static let site = """
            - hosts: servers
              gather_facts: false
              become: true
              tasks:
                - name: fail when asked to
                  fail:
                    msg: asked to fail
                  when: lookup('env', 'BOXER_TEST_FAIL') == '1'
                - copy:
                    dest: /etc/boxer-role
                    content: "{{ role }} {{ greeting }} {{ group_names | join(',') }}\\n"
            """

        static let local = """
            - hosts: web
              gather_facts: false
              tasks:
                - copy:
                    dest: /tmp/ansible-local
                    content: "{{ inventory_hostname }} {{ ansible_connection }} {{ groups['all'] | join(',') }}\\n"
            """

        @Test func ansibleAndPodmanOnTwoMachines() throws {
            let project = try MachineProject(vagrantfile: Self.vagrantfile, box: "debian-amd64", boxName: "boxer/debian")
            try Data(Self.site.utf8).write(to: project.root.appendingPathComponent("site.yml"))
            try Data(Self.local.utf8).write(to: project.root.appendingPathComponent("local.yml"))
            let image = try project.temporary.folder("project/image")
            try Data("FROM localhost/tiny:latest\nRUN echo built > /built\n".utf8).write(to: image.appendingPathComponent("Containerfile"))

            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> db: Running provisioner: site (ansible)..."))
            #expect(up.output.contains("    db: Running ansible-playbook..."))
            #expect(up.output.contains("    web: Running ansible-playbook..."))
            // Provisioned in the Vagrantfile's order although both booted at once.
            let order = ["==> web: Running provisioner: local", "==> db: Running provisioner: site"].map {
                up.output.range(of: $0)?.lowerBound
            }
            if let first = order[0], let second = order[1] {
                #expect(first < second)
            } else {
                Issue.record("provisioners missing:\n\(up.output)")
            }

            #expect(try project.boxer(["ssh", "web", "-c", "cat /etc/boxer-role"]).output == "front hello app,servers\n")
            #expect(try project.boxer(["ssh", "db", "-c", "cat /etc/boxer-role"]).output == "store hello data,servers\n")
            #expect(try project.boxer(["ssh", "web", "-c", "cat /tmp/ansible-local"]).output == "web local web,db\n")

            // The inventory in Vagrant's form, each machine by its forwarded port and own key.
            let inventory = try String(
                contentsOf: project.root.appendingPathComponent(".vagrant/provisioners/ansible/inventory/vagrant_ansible_inventory"),
                encoding: .utf8)
            let lines = inventory.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == "# Generated by Vagrant")
            for (machine, role) in [("web", "front"), ("db", "store")] {
                let key = project.root.appendingPathComponent(".vagrant/machines/\(machine)/qemu/private_key").path
                let line = lines.first { $0.hasPrefix("\(machine) ") } ?? ""
                #expect(
                    line.range(
                        of:
                            "^\(machine) ansible_host=127\\.0\\.0\\.1 ansible_port=[0-9]+ ansible_user='vagrant' ansible_ssh_private_key_file='\(key)' role=\(role)$",
                        options: .regularExpression) != nil, "\(inventory)")
            }
            #expect(inventory.hasSuffix("\n[app]\nweb\n\n[data]\ndb\n\n[servers:children]\napp\ndata\n"), "\(inventory)")

            // Podman: the image built in the guest, the container running from it with its cidfile
            // where Vagrant keeps it; provisioning again keeps it, changed arguments recreate it.
            #expect(up.output.contains("==> web: -- Container: hello"), "\(up.output)")
            #expect(try project.boxer(["ssh", "web", "-c", "sudo podman exec hello /bin/busybox cat /built"]).output == "built\n")
            let inspect = ["ssh", "web", "-c", "sudo podman inspect hello --format '{{.Id}} {{.State.Running}}'"]
            let first = try project.boxer(inspect).output
            #expect(first.hasSuffix(" true\n"), "\(first)")
            let cid = try project.boxer(["ssh", "web", "-c", "sudo cat /var/lib/vagrant/cids/$(printf hello | sha1sum | cut -c1-40)"])
                .output
            #expect(first.hasPrefix(cid.trimmingCharacters(in: .whitespacesAndNewlines) + " "), "cidfile \(cid) for \(first)")
            #expect(try project.boxer(["provision", "web", "--provision-with", "containers"]).status == 0)
            #expect(try project.boxer(inspect).output == first, "the same container is kept")
            let changed = Self.vagrantfile.replacingOccurrences(of: "sleep 100000", with: "sleep 200000")
            try Data(changed.utf8).write(to: project.root.appendingPathComponent("Vagrantfile"))
            let again = try project.boxer(["provision", "web", "--provision-with", "containers"])
            #expect(again.output.contains("-- Detected changes to container 'hello' args, restarting..."), "\(again.output)")
            let second = try project.boxer(inspect).output
            #expect(second.hasSuffix(" true\n") && second != first, "\(second)")

            // A failing playbook: the machine stays up, the command fails with the task's output,
            // and provisioning again works.
            let failing = try project.boxer(["provision", "db", "--provision-with", "site"], extra: ["BOXER_TEST_FAIL": "1"])
            #expect(failing.status == 1)
            #expect(failing.output.contains("asked to fail"), "\(failing.output)")
            #expect(failing.error.contains("Ansible failed to complete successfully"), "\(failing.error)")
            #expect(try project.boxer(["status", "db"]).output.contains("running (qemu)"))
            #expect(try project.boxer(["provision", "db", "--provision-with", "site"]).status == 0)

            // No ansible-playbook on the host: the package to install, and nothing run.
            let bin = try project.temporary.folder("bin-without-ansible")
            for tool in ["ssh", "scp"] {
                try FileManager.default.createSymbolicLink(
                    atPath: bin.appendingPathComponent(tool).path, withDestinationPath: "/usr/bin/\(tool)")
            }
            let missing = try project.boxer(["provision", "db", "--provision-with", "site"], extra: ["PATH": bin.path])
            #expect(missing.status == 1)
            #expect(missing.error.contains("apt-get install ansible"), "\(missing.error)")

            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(project.qemuPIDs.isEmpty)
        }
    }
}
