import ArgumentParser
import BoxArchive
import BoxStore
import BoxerSupport
import Foundation

struct BoxAdd: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Install a box from a file, a URL, a catalog or a box server.",
        discussion: """
            SOURCE is a .box file or file:// URL (needs --name), an http(s) URL of a box or of a catalog, \
            a local catalog JSON file, or org/name looked up on $BOXER_SERVER_URL (or $VAGRANT_SERVER_URL). \
            The box is downloaded (resuming an interrupted download), verified, unpacked into a private \
            folder and checked before it is renamed into the store: a failed add changes nothing.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: "Box file, URL, catalog, or org/name; or, as `vagrant box add NAME URL` takes them, the name followed by the file or URL.")
    var source: String

    @Argument(help: "The file or URL, when the first argument is the name.")
    var location: String?

    @Option(help: "Name of the box (required for box files).")
    var name: String?

    @Option(name: .customLong("box-version"), help: "Version constraint for catalogs, e.g. '>= 1.0, < 2.0'.")
    var boxVersion: String?

    @Option(help: "Provider the box must be for; repeat to accept several.")
    var provider: [String] = []

    @Option(help: "Architecture to add from a catalog (default: the host's, then the catalog's default).")
    var architecture: String?

    @Option(help: "Expected checksum of the box file.")
    var checksum: String?

    @Option(name: .customLong("checksum-type"), help: "Type of --checksum: md5, sha1, sha256, sha384 or sha512.")
    var checksumType: String?

    @Flag(name: .shortAndLong, help: "Replace an installed box of the same name, version and provider.")
    var force = false

    @Flag(help: "Discard a partial download of this box instead of resuming it.")
    var clean = false

    @OptionGroup var download: DownloadFlags

    func validate() throws {
        if location != nil, name != nil {
            throw ValidationError("Give the name either as the first argument or with --name, not both.")
        }
        if (checksum == nil) != (checksumType == nil) {
            throw ValidationError("--checksum and --checksum-type go together.")
        }
        if let checksumType, ChecksumType(vagrantName: checksumType) == nil {
            throw ValidationError("--checksum-type must be one of \(ChecksumType.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let output = global.makeOutput()
        var request = BoxAddRequest(source: location ?? source)
        request.name = location == nil ? name : source
        request.versionRequirement = boxVersion
        request.providers = provider
        request.architecture = architecture
        if let checksum, let type = checksumType.flatMap(ChecksumType.init(vagrantName:)) {
            request.checksum = ExpectedChecksum(type: type, value: checksum)
        }
        request.force = force
        request.clean = clean
        var downloader = Downloader(progress: output.targeting("box"))
        downloader.options = download.options
        let adder = BoxAdder(store: try openStore(), downloader: downloader, output: output)
        try await adder.add(request)
    }
}
