import BoxerSupport
import Crypto
import Foundation
import Vagrantfile

/// The `docker` and `podman` provisioners, as Vagrant 2.3.4's container provisioner client
/// runs them (plugins/provisioners/container/client.rb): pulls, builds, then each container
/// created once and kept, recreated when its arguments or its image change.
extension MachineEnvironment {
    func runContainers(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let engine = provisioner.type == "podman" ? "podman" : "docker"
        let name = context.machine.name
        let target = output.targeting(name)
        let show: @Sendable (String, Bool) -> Void = { line, _ in if !line.isEmpty { target.say(line) } }

        if try await !containerEngineInstalled(engine, communicator: communicator) {
            target.detail(engine == "docker" ? "Installing Docker onto machine..." : "Podman installing")
            _ = try await communicator.run(Self.containerInstallCommand(engine), line: { line, _ in target.detail(line) })
            guard try await containerEngineInstalled(engine, communicator: communicator) else {
                throw MachineError.containerEngineMissing(engine, machine: name)
            }
        }
        if engine == "docker" {
            // Vagrant's Debian capability starts the service, then checks for the daemon's pidfile.
            if try await communicator.capture("test -f /var/run/docker.pid").status != 0 {
                _ = try await communicator.capture("sudo service docker start")
            }
            guard try await communicator.capture("test -f /var/run/docker.pid").status == 0 else {
                throw MachineError.dockerNotRunning(machine: name)
            }
            let user = Communicator.quote(communicator.user)
            _ = try await communicator.capture(
                "getent group docker >/dev/null && ! id -Gn | grep -q docker && sudo usermod -a -G docker \(user)")
        }
        let options = provisioner.options
        let images: [String]
        switch options["images"] {
        case .array(let items)?: images = items.compactMap(\.string)
        case .string(let image)?: images = [image]
        default: images = []
        }
        if !images.isEmpty {
            target.say("Pulling Docker images...")
            for image in images {
                target.say("-- Image: \(image)")
                try await containerStep("\(engine) pull \(image)", communicator: communicator, machine: name, line: show)
            }
        }
        if case .array(let builds)? = options["build_images"], !builds.isEmpty {
            target.say("Building Docker images...")
            for case .object(let build) in builds {
                let path = build["path"]?.string ?? ""
                target.say("-- Path: \(path)")
                try await containerStep(
                    "\(engine) build \(build["args"]?.string ?? "") \(path)", communicator: communicator, machine: name, line: show)
            }
        }
        guard case .array(let containers)? = options["containers"], !containers.isEmpty else { return }
        target.say("Starting Docker containers...")
        let cids = "/var/lib/vagrant/cids"
        for case .object(let fields) in containers {
            let container = ContainerRun(fields)
            target.say("-- Container: \(container.name)")
            _ = try await communicator.capture("sudo mkdir -p \(cids)")
            let cidfile = cids + "/" + Insecure.SHA1.hash(data: Data(container.name.utf8)).map { String(format: "%02x", $0) }.joined()
            let arguments = container.runArguments(cidfile: cidfile)
            let digest = Insecure.SHA1.hash(data: Data(arguments.utf8)).map { String(format: "%02x", $0) }.joined()
            let record = "\(engine)-\(container.containerName)"
            let id = "$(cat \(cidfile))"
            let exists = try await communicator.capture("sudo \(engine) ps -q -a --no-trunc | grep -wFq \(id)").status == 0
            if exists {
                let argumentsChanged = context.folder.read(record)?.trimmingCharacters(in: .whitespacesAndNewlines) != digest
                var imageChanged = false
                if !argumentsChanged {
                    let inspect =
                        "sudo \(engine) inspect --format='{{.Image}}' \(container.containerName) | grep $(sudo \(engine) images -q \(container.image))"
                    imageChanged = try await communicator.capture(inspect).status != 0
                }
                if argumentsChanged || imageChanged {
                    target.say(
                        argumentsChanged
                            ? "-- Detected changes to container '\(container.name)' args, restarting..."
                            : "-- Detected newer image for container '\(container.name)', restarting...")
                    try await containerStep(
                        "sudo \(engine) stop \(id); sudo \(engine) rm \(id)", communicator: communicator, machine: name, line: show)
                } else {
                    if try await communicator.capture("sudo \(engine) ps -q --no-trunc | grep -wFq \(id)").status != 0 {
                        try await containerStep("sudo \(engine) start \(id)", communicator: communicator, machine: name, line: show)
                    }
                    continue
                }
            }
            try await containerStep("sudo rm -f \"\(cidfile)\"", communicator: communicator, machine: name, line: show)
            try await containerStep("sudo \(engine) run \(arguments)", communicator: communicator, machine: name, line: show)
            try context.folder.write(record, digest)
        }
    }

    func containerEngineInstalled(_ engine: String, communicator: Communicator) async throws(MachineError) -> Bool {
        let paths = ["/bin", "/usr/bin", "/usr/local/bin", "/usr/sbin"].map { "test -f \($0)/\(engine)" }.joined(separator: " || ")
        return try await communicator.capture("sudo sh -c \(Communicator.quote(paths))").status == 0
    }

    /// A step run with sudo (Vagrant's `comm.sudo`): a failure stops the provisioner.
    func containerStep(_ command: String, communicator: Communicator, machine: String, line: @escaping @Sendable (String, Bool) -> Void)
        async throws(MachineError)
    {
        let full = command.hasPrefix("sudo ") ? command : "sudo " + command
        let status = try await communicator.run(full, line: line)
        guard status == 0 else { throw MachineError.containerStepFailed(command: full, machine: machine, status: status) }
    }

    /// How Vagrant installs the engine in a Debian-family guest.
    static func containerInstallCommand(_ engine: String) -> String {
        engine == "docker"
            ? "sudo apt-get update -qq -y && sudo apt-get install -qq -y curl apt-transport-https && (sudo apt-get purge -qq -y 'lxc-docker*' || true) && curl -sSL https://get.docker.com/ | sudo sh"
            : "sudo apt-get update -qq -y && sudo DEBIAN_FRONTEND=noninteractive apt-get install -qq -y podman"
    }
}

/// One `d.run "name", ...` with Vagrant's defaults: image the name, daemonized, named, restart always.
struct ContainerRun: Sendable, Equatable {
    var name: String
    var image: String
    var cmd: String?
    var args: String?
    var daemonize: Bool
    var restart: String?
    var autoAssignName: Bool

    init(_ fields: [String: ConfigValue]) {
        name = fields["name"]?.string ?? ""
        image = fields["image"]?.string ?? name
        cmd = fields["cmd"]?.string
        args = fields["args"]?.string
        daemonize = fields["daemonize"]?.bool ?? true
        switch fields["restart"] {
        case nil: restart = "always"
        case .null?, .bool(false)?: restart = nil
        case let value?: restart = value.string
        }
        autoAssignName = fields["auto_assign_name"]?.bool ?? true
    }

    /// The container's name: `/` and `:` (not allowed in names) become `-`.
    var containerName: String { name.replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ":", with: "-") }

    /// `run`'s arguments as Vagrant compiles them (container_run_args).
    func runArguments(cidfile: String) -> String {
        var arguments = "--cidfile=\(cidfile) "
        if daemonize { arguments += "-d " }
        if autoAssignName { arguments += "--name \(containerName) " }
        if let restart { arguments += "--restart=\(restart)" }
        if let args { arguments += " \(args)" }
        return "\(arguments) \(image) \(cmd ?? "")".trimmingCharacters(in: .whitespaces)
    }
}
