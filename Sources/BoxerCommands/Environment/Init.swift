import ArgumentParser
import BoxerSupport
import Foundation

struct Init: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a Vagrantfile in the current folder.",
        discussion:
            "Writes a commented Vagrantfile for BOX (or a minimal one with --minimal), as `vagrant init` does. Refuses to overwrite an existing one unless --force."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Box name for config.vm.box.")
    var box: String = "base"

    @Argument(help: "Box URL for config.vm.box_url.")
    var url: String?

    @Flag(name: [.short, .long], help: "Write a minimal Vagrantfile without comments.")
    var minimal = false

    @Flag(name: [.short, .long], help: "Overwrite an existing Vagrantfile.")
    var force = false

    @Option(
        name: .customLong("output"), help: ArgumentHelp("Where to write the Vagrantfile ('-' for standard output).", valueName: "output"))
    var destination = "Vagrantfile"

    func run() throws {
        let output = global.makeOutput()
        let text = minimal ? Self.minimalTemplate(box: box, url: url) : Self.fullTemplate(box: box, url: url)
        if destination == "-" {
            output.text(text.trimmingSuffix("\n"))
            return
        }
        let target = URL(fileURLWithPath: destination, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL
        if FileManager.default.fileExists(atPath: target.path), !force {
            throw CommandError.exists(path: target.path)
        }
        try text.write(to: target, atomically: true, encoding: .utf8)
        output.say("A `Vagrantfile` has been placed in this directory. You are now\nready to `boxer up` your first virtual environment!")
    }

    static func minimalTemplate(box: String, url: String?) -> String {
        var lines = ["Vagrant.configure(\"2\") do |config|", "  config.vm.box = \(quoted(box))"]
        if let url { lines.append("  config.vm.box_url = \(quoted(url))") }
        lines.append("end")
        return lines.joined(separator: "\n") + "\n"
    }

    static func fullTemplate(box: String, url: String?) -> String {
        """
        # -*- mode: ruby -*-
        # vi: set ft=ruby :

        # All Vagrant configuration is done below. The "2" in Vagrant.configure
        # configures the configuration version. boxer reads version 2.
        Vagrant.configure("2") do |config|
          # Every machine needs a box: `boxer box list` shows the installed ones,
          # `boxer box add` installs more.
          config.vm.box = \(quoted(box))
        \(url.map { "  config.vm.box_url = \(quoted($0))\n" } ?? "")
          # Check for box updates on `boxer up` (see `boxer box outdated`).
          # config.vm.box_check_update = false

          # Forward a guest port to the host, on 127.0.0.1 only:
          # config.vm.network "forwarded_port", guest: 80, host: 8080, host_ip: "127.0.0.1"

          # A private network between the machines of this environment. boxer gives every
          # environment its own 192.168.X.0/24 with a DHCP server at 192.168.X.1:
          # config.vm.network "private_network", type: "dhcp"
          # config.vm.network "private_network", ip: "192.168.33.10"

          # Share a folder with the guest (the project folder is shared as /vagrant):
          # config.vm.synced_folder "../data", "/vagrant_data"

          # Provider settings, e.g. for QEMU:
          # config.vm.provider "qemu" do |qemu|
          #   qemu.memory = 1024
          #   qemu.cpus = 2
          # end

          # Provision with a shell script:
          # config.vm.provision "shell", inline: <<-SHELL
          #   apt-get update
          #   apt-get install -y nginx
          # SHELL
        end

        """
    }

    static func quoted(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(
                of: "#", with: "\\#") + "\""
    }
}
