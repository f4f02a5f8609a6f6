/// The messages of the configuration layer: a Vagrantfile that cannot be found or read, or valid
/// Ruby that is not a valid configuration (loader, `Vagrant`, config objects, settings, machines).
/// Each says what went wrong where, in the words the tests compare.
extension VagrantfileError {
    /// `config.vm.network :hostonly, ...` or `forward_port` in a version 1 file, which Vagrant 2.3.4 also fails on.
    static func v1Network(_ what: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "config.vm.\(what) is version 1 configuration, which Vagrant 2.3.4 cannot read either (its upgrade fails with ArgumentError)",
            hint:
                "write the file as version 2: Vagrant.configure(\"2\") do |config| ... config.vm.network \"private_network\", ip: \"...\" or \"forwarded_port\", guest: 80, host: 8080 ... end"
        )
    }

    /// Vagrant's validation failures (its heading kept), one line each with its place.
    static func configurationProblems(_ problems: [Diagnostic]) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: nil,
            "There are errors in the configuration of this machine. Please fix the following errors and try again:\n"
                + problems.map(\.description).joined(separator: "\n"))
    }

    /// A `box_version` part RubyGems cannot read, with a box set: Vagrant fails on it while it
    /// starts, for every command.
    static func boxVersionInvalid(_ version: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "The format of box version provided (\(version)) is incorrect. The version must follow the semantic versioning format or semantic versioning compatible constraint format. Examples of valid values: 2.0, 2.1.4, >= 2, < 3.0.0, ~> 1.2"
        )
    }

    /// `config.trigger.before :up` with neither a block nor options: Vagrant fails while it reads the file.
    static func triggerWithoutConfiguration(_ commands: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location, "There was an error parsing the Vagrantfile: No config was given for the trigger(s) \(commands).",
            hint: "give the trigger a block (config.trigger.before :up do |trigger| ... end) or options (info: \"...\")")
    }

    // MARK: - Loader

    static func workingFolderMissing(_ folder: String) -> VagrantfileError {
        VagrantfileError(.notFound, at: nil, "the folder \(folder) named by VAGRANT_CWD/BOXER_CWD does not exist")
    }

    static func vagrantfileNotFound(from start: String) -> VagrantfileError {
        VagrantfileError(
            .notFound, at: nil, "A Vagrantfile is required, but none was found in \(start) or above it.",
            hint: "run `boxer init` to create one, or set VAGRANT_CWD to the project folder")
    }

    static func unreadableVagrantfile(_ file: String, explanation: String) -> VagrantfileError {
        VagrantfileError(.notFound, at: nil, "cannot read \(file): \(explanation)")
    }

    static func noVagrantfileToRead() -> VagrantfileError {
        VagrantfileError(.notFound, at: nil, "no Vagrantfile to read")
    }

    static func controlFlowLeftConfigurationBlock() -> VagrantfileError {
        VagrantfileError(.syntax, at: nil, "return, next or break left a configuration block")
    }

    // MARK: - Vagrant module

    /// `config.vagrant.plugins` names plugins boxer does not have (Vagrant would offer to install
    /// them, and fails without a terminal).
    static func projectPluginsMissing(_ plugins: [String], at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "this project needs Vagrant plugin\(plugins.count == 1 ? "" : "s") that boxer does not have: \(plugins.joined(separator: ", ")) (config.vagrant.plugins)",
            hint:
                "boxer implements the settings of \(VagrantHost.knownPlugins.sorted().joined(separator: " and ")); remove the others from config.vagrant.plugins, or use Vagrant with those plugins for this project"
        )
    }

    static func unsupportedConfigurationVersion(_ version: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location, "Vagrant.configure(\"\(version)\") is not supported by boxer",
            hint: "boxer reads version 2 configurations: Vagrant.configure(\"2\") do |config| … end")
    }

    static func vagrantVersionRequired(_ requirement: String, have: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "this Vagrantfile requires Vagrant \(requirement); boxer is compatible with Vagrant \(have)",
            hint: "relax Vagrant.require_version if the file works with \(have)")
    }

    /// A method of a module refused as a whole (`Class`, `Module`, `Vagrant::Util`, ...).
    static func forbiddenModuleMethod(_ name: String, _ method: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "\(name).\(method) is not supported by boxer",
            hint: name == "Class" || name == "Module"
                ? "define the class or module with `class Name ... end` or `module Name ... end`, which boxer runs"
                : "run commands with backticks, system, IO.popen or Open3, which boxer runs as Ruby does")
    }

    // MARK: - Config objects

    static func providerWithoutName(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "config.vm.provider needs a provider name, e.g. config.vm.provider \"virtualbox\" do |vb| … end")
    }

    static func defineWithoutName(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.configuration, at: location, "config.vm.define needs a machine name")
    }

    /// "." or "..": the machine's folder under .vagrant/machines would be another one's.
    static func machineNameNamesOtherFolder(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "'\(name)' is not a valid machine name: it would name the folder .vagrant/machines/\(name), which is not a machine's own; use letters, digits, '.', '_' and '-' with at least one letter or digit"
        )
    }

    static func networkWithoutType(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "config.vm.network needs a type: \"forwarded_port\", \"private_network\" or \"public_network\"")
    }

    static func syncedFolderWithoutPaths(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "config.vm.synced_folder needs a host path and a guest path, e.g. config.vm.synced_folder \".\", \"/vagrant\"")
    }

    static func provisionerWithoutType(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location, "config.vm.provision needs a type, e.g. config.vm.provision \"shell\", inline: \"…\"")
    }

    static func customizeWithoutArray(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location,
            "customize needs an array of arguments, e.g. vb.customize [\"modifyvm\", :id, \"--memory\", \"2048\"]")
    }

    // MARK: - Settings and machines

    static func settingNestedTooDeeply(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .configuration, at: location, "a setting's value is nested more than 32 levels deep (does an array contain itself?)")
    }

    static func unsupportedSettingValue(typeName: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.configuration, at: location, "a \(typeName) cannot be a setting's value")
    }

    // MARK: - Machine builder

}
