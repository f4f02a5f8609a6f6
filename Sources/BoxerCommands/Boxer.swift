import ArgumentParser

/// The `boxer` command line. The executable target only calls `Boxer.main()`.
public struct Boxer: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "boxer",
        abstract: "Build Vagrant-compatible boxes and run the machines a Vagrantfile describes.",
        discussion: """
            boxer keeps its state under $BOXER_HOME (default ~/.boxer), laid out like ~/.vagrant.d, \
            so BOXER_HOME=~/.vagrant.d shares boxes with Vagrant in both directions.
            """,
        version: BoxerVersion.current,
        subcommands: [BoxCommand.self, Init.self, Validate.self, Status.self]
    )

    public init() {}
}

public enum BoxerVersion {
    public static let current = "0.1.0"
}

extension Boxer {
    /// Parses the process arguments and runs the chosen command, exiting with its status.
    public static func run(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
