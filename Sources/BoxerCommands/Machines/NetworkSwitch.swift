import ArgumentParser
import BoxerSupport
import Foundation
import Networks

struct NetworkSwitch: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-switch",
        abstract: "Run an environment's internal network switch (started by `boxer up`).",
        discussion: """
            Serves the environment's /24 for its machines' second NICs, connecting to the unix \
            socket each machine's QEMU listens on in --ports and \
            answering as the network's .1 (ARP, ping, DHCP). boxer starts it with an environment's first \
            machine and stops it with the last; it holds a lock on its pidfile while it runs.
            """,
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The network: a.b.c.0/24, or X for 192.168.X.0/24.")
    var subnet: String

    @Option(help: "The folder of the machines' sockets (QEMU listens, the switch connects).")
    var ports: String

    @Option(help: "The static addresses (re-read when changed).")
    var reservations: String?

    @Option(help: "Where leases are kept.")
    var leases: String

    @Option(help: "The pidfile, locked while the switch runs.")
    var pidfile: String

    func validate() throws {
        guard let network = EnvironmentSubnet(subnet), network.isUsable else {
            throw ValidationError("--subnet must be a.b.c.0/24 (not loopback, link-local, multicast or 10.0.2.0/24) or X in 1...254")
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var stopping = sigset_t()
        sigemptyset(&stopping)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stopping, signal) }
        sigprocmask(SIG_UNBLOCK, &stopping, nil)
        let descriptor = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0, lockf(descriptor, F_TLOCK, 0) == 0 else {
            throw CommandError.switchRunning(pidfile: pidfile)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard let network = EnvironmentSubnet(subnet) else { throw ValidationError("--subnet: \(subnet) is not a network") }
        let environmentSwitch = EnvironmentSwitch(subnet: network, portsFolder: ports, leasesPath: leases, reservationsPath: reservations)
        try environmentSwitch.start()
        // Until boxer stops it (SIGTERM ends the process; leases are on disk after every change).
        environmentSwitch.run()
    }
}
