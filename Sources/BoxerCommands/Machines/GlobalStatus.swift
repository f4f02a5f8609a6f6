import ArgumentParser
import BoxerSupport
import Foundation
import Machines

struct GlobalStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "global-status",
        abstract: "List the machines of every environment.",
        discussion: "Reads the machine index under $BOXER_HOME (Vagrant's format). --prune drops entries whose project or machine is gone."
    )

    @Flag(help: "Remove entries for machines that no longer exist.")
    var prune = false

    func run() async throws {
        let home = BoxerHome()
        let index = MachineIndex(home: home)
        var entries = index.entries()
        if prune {
            let gone = entries.filter { uuid, entry in
                let folder = MachineFolder(projectRoot: entry.vagrantfilePath, machineName: entry.name, provider: entry.provider)
                return folder.indexUUID != uuid
            }.map(\.key)
            try index.remove(gone)
            entries = index.entries()
        }
        print("id       name        provider   state        directory")
        print(String(repeating: "-", count: 72))
        for (uuid, entry) in entries.sorted(by: { $0.value.vagrantfilePath + $0.value.name < $1.value.vagrantfilePath + $1.value.name }) {
            print("\(String(uuid.prefix(7)).padded(to: 8)) \(entry.name.padded(to: 11)) \(entry.provider.padded(to: 10)) \(entry.state.padded(to: 12)) \(entry.vagrantfilePath)")
        }
        if entries.isEmpty {
            print("There are no active Vagrant environments on this computer! Or,\nyou haven't destroyed and recreated Vagrant environments that were\nstarted with an older version of Vagrant.")
        } else {
            print("\nThe above shows information about all known boxer environments\non this machine. This data is cached and may not be completely\nup-to-date (use \"boxer global-status --prune\" to prune invalid\nentries).")
        }
    }
}
