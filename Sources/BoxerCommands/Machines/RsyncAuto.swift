import ArgumentParser
import BoxerSupport
import Foundation
import Machines

struct RsyncAuto: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "rsync-auto",
        abstract: "Watch the rsync synced folders and send each change to the machines.",
        discussion: """
            As `vagrant rsync-auto`: an initial sync, then every change on the host (a burst of \
            them as one) is sent, until Ctrl-C. Linux hosts are watched with inotify; --poll (and \
            other hosts) compares the files every half second. A machine that is rebooting is \
            synced again on the next change. Folders with rsync__auto: false are left out.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all).")
    var names: [String] = []

    @Flag(help: "Poll the folders instead of using the host's change notifications.")
    var poll = false

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        let names = names
        let poll = poll
        do {
            try await Interruption.cancelling(on: [SIGINT, SIGTERM]) {
                try await environment.rsyncAuto(names, polling: poll)
            }
        } catch is Interruption.Interrupted {
            // Ctrl-C is how rsync-auto ends.
        }
    }
}
