import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `config.vm.cloud_init :user_data` applied by real cloud-init on the Debian test box: a
    /// cloud-config part (a file it writes, a command it runs) and a shell script part, beside
    /// boxer's own cloud-config (the machine's key and hostname still apply).
    @Suite struct CloudInitUserDataTests {
        @Test func userCloudConfigAndScriptRunBesideBoxers() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/debian"
                      config.vm.hostname = "cloudy"
                      config.vm.disk :disk, size: "6GB", primary: true
                      config.vm.synced_folder ".", "/vagrant", disabled: true
                      config.vm.cloud_init :user_data, content_type: "text/cloud-config", path: "user-data.yaml"
                      config.vm.cloud_init :user_data do |cloud_init|
                        cloud_init.content_type = "text/x-shellscript"
                        cloud_init.inline = "#!/bin/sh\\necho from-script > /var/tmp/script-ran\\n"
                      end
                    end
                    """, box: "debian-amd64", boxName: "boxer/debian")
            try project.write(
                "#cloud-config\nwrite_files:\n  - path: /etc/boxer-user-data\n    content: \"written by cloud-init\\n\"\nruncmd:\n  - [sh, -c, \"echo ran > /var/tmp/runcmd-ran\"]\n",
                to: "user-data.yaml")
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.output.contains("==> default: Preparing user data for cloud-init..."))
            let guest = try project.boxer([
                "ssh", "-c",
                "cloud-init status --wait >/dev/null; cat /etc/boxer-user-data /var/tmp/runcmd-ran /var/tmp/script-ran; hostname",
            ])
            #expect(guest.output == "written by cloud-init\nran\nfrom-script\ncloudy\n", "\(guest.output)\n\(guest.error)")
            // The box's 4 GiB disk grown to 6 GiB, and cloud-init's growpart and resizefs grew
            // the root file system into it (sizes in 1K blocks).
            let sizes = try project.boxer(["ssh", "-c", "cat /sys/block/vda/size; df -k --output=size / | tail -1"])
            let numbers = sizes.output.split(separator: "\n").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            #expect(numbers.first == 6 << 21, "512-byte sectors of 6 GiB: \(sizes.output)")
            #expect((numbers.last ?? 0) > 5 << 20, "the root file system grew past 5 GiB: \(sizes.output)")
            #expect(!up.error.contains("no cloud-init"), "this guest has cloud-init")
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
        }
    }
}
