import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Providers
import Testing

@testable import Builder

/// Installer-ISO templates: the `install:` section, Packer's boot_command syntax, the answer
/// file's HTTP server.
@Suite struct InstallTemplateTests {
    static let iso = """
        os: {family: rhel, release: "9"}
        architecture: amd64
        firmware: efi
        source:
          iso_urls: [https://mirror.invalid/a.iso, https://other.invalid/a.iso]
          iso_checksum: sha256:\(String(repeating: "ab", count: 32))
        install:
          boot_wait: 5s
          boot_command:
            - "<up><wait><tab> inst.ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"
          http_content:
            /ks.cfg: "reboot"
          ssh_timeout: 1h30m
        """

    static func failure(_ text: String) -> String { TemplateTests.failure(text) }

    @Test func packerStyleISOSource() throws {
        let template = try BoxTemplate.parse(Self.iso, file: "/t/x.yaml")
        #expect(template.source.kind == .iso)
        #expect(template.source.format == "iso")
        #expect(template.source.url == "https://mirror.invalid/a.iso")
        #expect(template.source.alternateURLs == ["https://other.invalid/a.iso"])
        let install = try #require(template.install)
        #expect(install.bootWait == 5)
        #expect(install.sshTimeout == 5400)
        #expect(install.httpContent == ["/ks.cfg": "reboot"])
        #expect(install.sshUsername == "vagrant")
    }

    @Test func isoChecksumFileAndKind() throws {
        let text = Self.iso.replacingOccurrences(
            of: "iso_checksum: sha256:\(String(repeating: "ab", count: 32))", with: "iso_checksum: file:https://mirror.invalid/SHA256SUMS")
        let template = try BoxTemplate.parse(text, file: "/t/x.yaml")
        #expect(template.source.checksumURL == "https://mirror.invalid/SHA256SUMS")
        #expect(template.source.checksum == nil)
    }

    @Test func badInstallSections() throws {
        #expect(
            Self.failure(Self.iso.replacingOccurrences(of: "<tab>", with: "<tabb>")).contains(
                "/t/x.yaml:10: install.boot_command unknown key <tabb>"))
        #expect(
            Self.failure(Self.iso.replacingOccurrences(of: "{{ .HTTPIP }}", with: "{{ .HostIP }}")).contains(
                "unknown variable {{ .HostIP }}"))
        #expect(
            Self.failure(Self.iso.replacingOccurrences(of: "5s", with: "five")).contains(
                "/t/x.yaml:8: install.boot_wait 'five' is not a duration"))
        #expect(Self.failure(Self.iso.replacingOccurrences(of: "ssh_timeout", with: "ssh_timout")).contains("ssh_timout"))
        #expect(Self.failure(Self.iso.replacingOccurrences(of: "/ks.cfg: ", with: "ks.cfg: ")).contains("not a file path on the server"))
        // An ISO without install, and install with a cloud image.
        let noInstall = String(Self.iso[..<(try #require(Self.iso.range(of: "install:"))).lowerBound])
        #expect(Self.failure(noInstall).contains("install (boot_command"))
        let image = Self.iso.replacingOccurrences(of: "iso_urls", with: "urls").replacingOccurrences(of: "iso_checksum", with: "checksum")
        #expect(Self.failure(image).contains("/t/x.yaml:8: install is for installer ISOs"))
        // Nothing serves what {{ .HTTPIP }} points at.
        let unserved = Self.iso.replacingOccurrences(of: "  http_content:\n    /ks.cfg: \"reboot\"\n", with: "")
        #expect(Self.failure(unserved).contains("no http_directory or http_content"))
    }

    @Test func bootCommandKeys() throws {
        let variables = BootCommand.Variables(httpIP: "10.0.2.100", httpPort: 8000, name: "box")
        let command = try BootCommand.parse(
            ["A b<enter><wait5><leftCtrlOn>x<leftCtrlOff><wait1m30s>", "<F10>{{.Name}}:"], variables: variables)
        #expect(
            command.actions == [
                .press(["shift", "a"]), .press(["spc"]), .press(["b"]), .press(["ret"]), .wait(seconds: 5), .hold("ctrl"), .press(["x"]),
                .release("ctrl"), .wait(seconds: 90), .press(["f10"]), .press(["b"]), .press(["o"]), .press(["x"]),
                .press(["shift", "semicolon"]),
            ])
        // A "<" that does not open a key name is typed.
        #expect(try BootCommand.parse(["a<b c>"], variables: variables).actions.count == 6)
        #expect(try BootCommand.parse(["<wait500ms><wait>"], variables: variables).actions == [.wait(seconds: 0.5), .wait(seconds: 1)])
        #expect(throws: BootCommand.Problem.self) { try BootCommand.parse(["é"], variables: variables) }
        #expect(throws: BootCommand.Problem.self) { try BootCommand.parse(["<waitabit>"], variables: variables) }
        #expect(throws: BootCommand.Problem.self) { try BootCommand.parse(["{{ .HTTPIP "], variables: variables) }
    }

    @Test func servedPathsInBootCommands() {
        #expect(InstallerHTTP.servedPaths(in: ["inst.ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"]) == ["/ks.cfg"])
        #expect(
            InstallerHTTP.servedPaths(in: ["autoinstall ds=nocloud-net\\;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ ---<enter>"]) == ["/"])
        #expect(
            InstallerHTTP.servedPaths(in: ["url=http://{{ .HTTPIP }}:{{.HTTPPort}}/d-i/preseed.cfg?x=1 auto<enter>"]) == [
                "/d-i/preseed.cfg"
            ])
    }

    /// Every file the boot command names must be served, checked before QEMU starts.
    @Test func answerFileNotServed() throws {
        let folder = try TemporaryFolder()
        var template = try BoxTemplate.parse(Self.iso, file: folder.url.path + "/x.yaml")
        var install = try #require(template.install)
        install.httpContent = ["/other.cfg": "x"]
        template.install = install
        let http = InstallerHTTP(work: folder.url.path + "/work")
        #expect {
            try http.prepare(install, template: template)
        } throws: { error in
            (error as? BuildError)?.message.contains("points the installer at /ks.cfg") == true
        }
        install.httpContent = ["/ks.cfg": "reboot"]
        try http.prepare(install, template: template)
        #expect(FileManager.default.contents(atPath: http.root + "/ks.cfg") == Data("reboot".utf8))
    }

    /// The guestfwd responder, run as QEMU runs it: a request on stdin, the answer on stdout.
    @Test func guestFileServerAnswers() async throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.url.path + "/root/d-i", withIntermediateDirectories: true)
        try Data("preseed\n".utf8).write(to: URL(fileURLWithPath: folder.url.path + "/root/d-i/preseed.cfg"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: folder.url.path + "/outside"))
        let log = folder.url.path + "/requests.log"
        let command = GuestFileServer.command(root: folder.url.path + "/root", requestLog: log)
        func ask(_ request: String) async throws -> String {
            let script = "printf '\(request)\\r\\nHost: x\\r\\n\\r\\n' | " + command
            return try await Programs.run("/bin/sh", ["-c", script]).output
        }
        let found = try await ask("GET /d-i/preseed.cfg?a=1 HTTP/1.1")
        #expect(found.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(found.contains("Content-Length: 8\r\n"))
        #expect(found.hasSuffix("\r\n\r\npreseed\n"))
        #expect(try await ask("GET /../outside HTTP/1.1").hasPrefix("HTTP/1.0 404"))
        #expect(try await ask("GET /missing HTTP/1.0").hasPrefix("HTTP/1.0 404"))
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged == "200 GET /d-i/preseed.cfg\n404 GET /../outside\n404 GET /missing\n")
    }

    /// The distributions' installer templates (kickstart, autoinstall, preseed; BIOS and UEFI)
    /// cannot be run here (no internet): each is checked as a template, its boot command parsed
    /// and every file it points the installer at served from its http_directory.
    @Test func theRepositoryInstallerTemplatesServeTheirAnswerFiles() throws {
        let boxes = TemplateTests.repository.appendingPathComponent("boxes").path
        let library = TemplateLibrary(folder: boxes)
        let installers = try library.all().filter { $0.source.kind == .iso && $0.source.recipe == nil }
        #expect(
            Set(installers.map(\.name)) == [
                "almalinux-9-amd64-kickstart", "almalinux-9-amd64-kickstart-efi", "ubuntu-22.04-amd64-autoinstall",
                "ubuntu-22.04-amd64-autoinstall-efi", "debian-12-amd64-preseed", "debian-12-amd64-preseed-efi",
            ])
        for template in installers {
            let install = try #require(template.install)
            #expect(template.firmware == (template.name.hasSuffix("-efi") ? .efi : .bios), "\(template.name)")
            #expect(template.source.checksumURL != nil, "\(template.name) is checked against the distribution's checksum file")
            let folder = try TemporaryFolder()
            let http = InstallerHTTP(work: folder.url.path)
            try http.prepare(install, template: template)
            let served = InstallerHTTP.servedPaths(in: install.bootCommand)
            #expect(!served.isEmpty, "\(template.name) points the installer at boxer's server")
            let command = try BootCommand.parse(
                install.bootCommand, variables: .init(httpIP: "10.0.2.100", httpPort: 8000, name: template.name))
            #expect(
                command.actions.contains(.press(["ret"])) || command.actions.contains(.press(["ctrl", "x"]))
                    || command.actions.contains(.hold("ctrl")))
            // Every answer file gives the vagrant user Vagrant's insecure key.
            let files = (FileManager.default.enumerator(atPath: http.root)?.allObjects as? [String] ?? []).filter {
                !$0.hasSuffix("meta-data")
            }
            let texts = try files.map { try String(contentsOfFile: http.root + "/" + $0, encoding: .utf8) }.joined()
            #expect(texts.contains(String(VagrantInsecureKey.publicKey.prefix(60))), "\(template.name)")
        }
    }

    /// iso_urls: the next URL when one cannot be downloaded; the checksum still decides, and a
    /// file that is not an ISO 9660 image is refused before QEMU sees it.
    @Test func isoURLsAreTriedInOrderAndChecked() async throws {
        let home = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        var iso = Data(count: 40_000)
        iso.replaceSubrange(32769..<32774, with: Data("CD001".utf8))
        server.serve("/second/installer.iso", .init(body: iso))
        let digest = try SourceImage.digest(of: try Self.write(iso, in: home), type: .sha256)
        let text = Self.iso
            .replacingOccurrences(of: "https://mirror.invalid/a.iso", with: server.url("/first/installer.iso").absoluteString)
            .replacingOccurrences(of: "https://other.invalid/a.iso", with: server.url("/second/installer.iso").absoluteString)
            .replacingOccurrences(of: String(repeating: "ab", count: 32), with: digest)
        let template = try BoxTemplate.parse(text, file: home.url.path + "/x.yaml")
        let renderer = CollectingRenderer()
        let path = try await SourceImage(home: BoxerHome(root: home.url)).image(for: template, log: Output(renderer))
        #expect(FileManager.default.contents(atPath: path) == iso)
        #expect(
            renderer.messages(.warn).contains {
                $0.contains("/first/installer.iso") && $0.contains("trying \(server.url("/second/installer.iso").absoluteString)")
            })
        try SourceImage.checkISO(path)

        // A wrong checksum is not a reason to try the next URL: it fails.
        let wrong = try BoxTemplate.parse(
            text.replacingOccurrences(of: digest, with: String(repeating: "0", count: 64)), file: home.url.path + "/y.yaml")
        await #expect(throws: BuildError.self) {
            _ = try await SourceImage(home: BoxerHome(root: home.url)).image(for: wrong, log: Output(renderer))
        }
        // Not an ISO.
        let plain = try Self.write(Data(count: 40_000), in: home)
        #expect {
            try SourceImage.checkISO(plain)
        } throws: { error in
            (error as? BuildError)?.message.contains("is not an ISO 9660 image") == true
        }
    }

    static func write(_ data: Data, in folder: TemporaryFolder) throws -> String {
        let file = folder.path("file-\(UUID().uuidString.prefix(6))").path
        try data.write(to: URL(fileURLWithPath: file))
        return file
    }
}
