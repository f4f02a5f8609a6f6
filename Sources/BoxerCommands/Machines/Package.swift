import ArgumentParser
import BoxerSupport
import Foundation
import Machines

struct Package: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a box of a machine, as it is now.",
        discussion: """
            As `vagrant package`: the machine is halted (--clean first removes what makes it this \
            machine: SSH host keys, machine-id, cloud-init state, logs), its disk is written as a \
            box of its provider (a QEMU machine gives a libvirt box: the overlay and the box \
            beneath it flattened into one qcow2; VirtualBox exports OVF, VMware copies a full \
            clone, Parallels a template), with --vagrantfile as include/_Vagrantfile, \
            --include files under include/ and --info as info.json. The box appears only when whole.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The machine (default: the only or primary one).")
    var name: String?

    @Option(help: "Package a VirtualBox VM by its name (not supported by boxer).")
    var base: String?

    @Option(help: "The box file to write.")
    var output = "package.box"

    @Option(help: "Files to put in the box's include/ folder, comma-separated.")
    var include: String?

    @Option(help: "A Vagrantfile to package as include/_Vagrantfile.")
    var vagrantfile: String?

    @Option(help: "A JSON file to package as info.json (shown by `box list -i`).")
    var info: String?

    @Flag(help: "Clean the guest first, so machines made from the box start as new ones.")
    var clean = false

    @Flag(help: "Compress the disk image itself (qcow2), besides the box's gzip.")
    var compressImage = false

    func run() async throws {
        if base != nil {
            throw ValidationError(
                "--base packages a VirtualBox VM outside any project, which boxer does not do; package a machine of the project instead")
        }
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        let machine = try targetMachine(name, in: environment)
        let options = MachineEnvironment.PackageOptions(
            output: self.output, include: include?.split(separator: ",").map(String.init) ?? [], vagrantfile: vagrantfile, info: info,
            clean: clean, compressImage: compressImage)
        try await withEnvironmentLock(environment, command: "package") {
            try await environment.package(machine, options: options)
        }
    }
}
