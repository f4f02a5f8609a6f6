import ArgumentParser
import BoxStore
import BoxerSupport
import Builder
import Foundation

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build boxes from a distribution's cloud image (box templates).",
        discussion: """
            Templates are the YAML files of the repository's boxes/ folder (or $BOXER_TEMPLATES); \
            boxes/README.md documents the format. `boxer build --list` shows them, with the \
            providers and disk sizes each one makes. The source image is downloaded into \
            $BOXER_HOME/cache/images (resumed, shared between builds) and checked against the \
            template's checksum before use; --mirror fetches it (and its checksum file) from a \
            mirror instead, keeping the URL's path.
            """
    )

    @Flag(help: "List the templates.")
    var list = false

    @Argument(help: "A template name (see --list) or the path of a template file.")
    var template: String?

    @Option(help: "A mirror of the source image's server (its scheme and host replace the template URL's).")
    var mirror: String?

    func validate() throws {
        if !list, template == nil { throw ValidationError("Name a template (boxer build --list shows them).") }
    }

    func run() async throws {
        guard let library = TemplateLibrary.locate(executable: currentExecutable()) else {
            throw CommandError("No box templates found: boxer looks in ./boxes, next to its executable, and in $BOXER_TEMPLATES.")
        }
        if list {
            let templates: [BoxTemplate]
            do { templates = try library.all() } catch { throw CommandError(error.message) }
            let width = max(20, (templates.map(\.name.count).max() ?? 0) + 2)
            print("Templates in \(library.folder):\n")
            let columns: [(String, Int)] = [("NAME", width), ("BOX", 22), ("VERSION", 10), ("ARCH", 7), ("FIRMWARE", 10), ("DISKS", 14)]
            print(columns.map { $0.0.padded(to: $0.1) }.joined() + "PROVIDERS")
            for template in templates {
                let disks: String = template.diskSizes.map(BoxTemplate.sizeText).joined(separator: ",")
                let providers: String = template.providers.map(\.rawValue).joined(separator: ",")
                var line: String = template.name.padded(to: width) + template.box.padded(to: 22)
                line += template.version.padded(to: 10) + template.architecture.rawValue.padded(to: 7)
                line += template.firmware.rawValue.padded(to: 10) + disks.padded(to: 14) + providers
                print(line)
            }
            return
        }
        let chosen: BoxTemplate
        do { chosen = try library.template(template ?? "") } catch { throw CommandError(error.message) }
        let source = SourceImage(home: BoxerHome(), downloader: Downloader(progress: TerminalProgress.ifTerminal()), mirror: mirror)
        print("==> \(chosen.name): Fetching \(source.effectiveURL(chosen.source.url))")
        let image: String
        do { image = try await source.fetch(chosen.source) } catch { throw CommandError(error.message) }
        print("==> \(chosen.name): Source image verified: \(image)")
        throw CommandError("The next build steps (convert, customize in QEMU, package one box per provider) are not in this version of boxer yet; only the fetch and check of the source image ran.")
    }
}
