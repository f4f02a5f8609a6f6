import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import NodeAPI
import Vagrantfile

/// `boxer node …`: the node API's operations from the shell, run in this process (no server needed).
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Create, list, start, stop and destroy nodes (boxer's local cloud).",
        discussion: """
            A node is one machine made from an image (an installed box) and a size, with its own \
            folder under $BOXER_HOME/nodes/<name>; these are the operations `boxer serve` offers \
            over HTTP, for shell users and scripts. `boxer node sizes` and `boxer node images` list \
            what nodes are made from.
            """,
        subcommands: [
            NodeList.self, NodeShow.self, NodeCreate.self, NodeStart.self, NodeStop.self, NodeReboot.self, NodeDestroy.self,
            NodeSizes.self, NodeImages.self, NodeForward.self, NodeCreateImage.self, NodeDeleteImage.self,
        ]
    )
}

/// The node operations of `$BOXER_HOME`, each node's project opened as `boxer up` opens a project.
func makeNodeService(environment variables: [String: String] = ProcessInfo.processInfo.environment) -> NodeService {
    NodeService(home: BoxerHome(environment: variables)) { root, provider, output, reading in
        var project = variables
        // The node's folder is the project, whatever this process's folder and settings say.
        project["BOXER_CWD"] = root
        for name in ["VAGRANT_CWD", "BOXER_VAGRANTFILE", "VAGRANT_VAGRANTFILE"] { project[name] = nil }
        guard reading else { return try openMachineEnvironment(output: output, provider: provider, environment: project, validated: true) }
        // Reading a state needs the node's own provider only: no plugin is asked, no capability data read.
        let loader = VagrantfileLoader.forProject(environment: project)
        let home = loader.home
        let providers = availableProviders(home: home, environment: project, plugins: false).filter { $0.name == provider }
        return MachineEnvironment(
            environment: try loader.load(), home: home, providers: providers, defaultProvider: { _ in provider }, output: output,
            switchExecutable: currentExecutable())
    }
}

/// Prints `value` as indented JSON (the API's form), for `--json`.
func printJSON<T: Encodable>(_ value: T, on output: Output) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    output.text(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// `boxer node start|stop|reboot|destroy NAME`: a create cut off earlier is cleaned up first, as
/// every node command does.
func performNodeAction(_ action: NodeService.Action, on name: String, global: GlobalOptions) async throws {
    let output = global.makeOutput()
    let service = makeNodeService()
    await service.recoverInterrupted(output: output)
    let ticket = try service.begin(action, node: name)
    try await service.perform(action, ticket, output: output)
}

/// The operation's options every node command that changes a node shares.
struct NodeTarget: ParsableArguments {
    @Argument(help: "The node's name.")
    var name: String
}
