import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Providers
import Testing

@testable import Builder

/// Box templates: the repository's own, and bad ones refused with file, line and field.
@Suite struct TemplateTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let good = """
        box: test/debian
        version: "1.2.3"
        os: {family: debian, release: "12"}
        architecture: amd64
        source:
          url: https://example.invalid/debian.qcow2
          checksum: sha256:\(String(repeating: "ab", count: 32))
        disk_sizes: [10G]
        provisioning:
          - shell: echo hi
          - script: provision/base.sh
        providers: [libvirt, virtualbox]
        """

    static func failure(_ text: String) -> String {
        do {
            _ = try BoxTemplate.parse(text, file: "/t/x.yaml")
        } catch {
            return error.message
        }
        Issue.record("no error for:\n\(text)")
        return ""
    }

    @Test func theRepositoryTemplatesAreValid() throws {
        let library = TemplateLibrary(folder: Self.repository.appendingPathComponent("boxes").path)
        let templates = try library.all()
        #expect(
            Set(library.names).isSuperset(of: [
                "ubuntu-20.04-amd64", "ubuntu-20.04-arm64", "ubuntu-22.04-amd64", "ubuntu-22.04-arm64", "debian-12-amd64",
                "debian-12-arm64", "centos-8-amd64", "testbox-amd64", "testbox-arm64",
            ]))
        for template in templates {
            #expect(template.source.checksumURL != nil || template.source.checksum != nil || template.source.recipe != nil)
            #expect(template.architecture == .arm64 ? template.firmware == .efi : true)
            // The ISO test box is made for the libvirt test of ISO builds only.
            if template.name != "testbox-iso-amd64" {
                #expect(template.providers == [.libvirt, .virtualbox, .vmwareDesktop, .parallels])
            }
        }
        #expect(throws: BuildError.self) { try library.template("ubuntu-18.04-amd64") }
        do {
            _ = try library.template("nope")
        } catch {
            #expect(
                error.message.contains(
                    "Known: almalinux-9-amd64-kickstart, almalinux-9-amd64-kickstart-efi, centos-8-amd64, debian-12-amd64"))
        }
    }

    @Test func aRecipeReplacesURLAndChecksum() throws {
        let recipe = """
            os: {family: testbox, release: "1"}
            architecture: arm64
            source:
              recipe: testbox/tiny/build.sh
            vagrantfile: testbox/testbox.Vagrantfile

            """
        let template = try BoxTemplate.parse(recipe, file: "/t/x.yaml")
        #expect(template.source.recipe == "testbox/tiny/build.sh" && template.source.url.isEmpty && template.firmware == .efi)
        #expect(template.vagrantfile == "testbox/testbox.Vagrantfile")
        let both = Self.failure(
            recipe.replacingOccurrences(
                of: "  recipe: testbox/tiny/build.sh", with: "  recipe: testbox/tiny/build.sh\n  url: https://example.com/x.img"))
        #expect(both.contains("/t/x.yaml:4: source has a recipe and also a URL or checksum"), "\(both)")
        let neither = Self.failure(recipe.replacingOccurrences(of: "  recipe: testbox/tiny/build.sh", with: "  format: raw"))
        #expect(neither.contains("source.url is missing"), "\(neither)")
    }

    @Test func aTemplateReadsWithItsDefaults() throws {
        let template = try BoxTemplate.parse(Self.good, file: "/t/debian-test.yaml")
        #expect(template.name == "debian-test")
        #expect(template.box == "test/debian" && template.version == "1.2.3")
        #expect(template.firmware == .bios, "amd64 defaults to BIOS")
        #expect(template.diskSizes == [10 << 30])
        #expect(template.provisioning == [.shell("echo hi"), .script("provision/base.sh")])
        #expect(template.providers == [.libvirt, .virtualbox])
        #expect(template.minimumMemoryMiB == 1024)
    }

    @Test func badTemplatesNameTheLineAndField() {
        let unknown = Self.failure(Self.good.replacingOccurrences(of: "providers:", with: "provider:"))
        #expect(unknown.hasPrefix("/t/x.yaml:") && unknown.contains("unknown key 'provider' (did you mean providers?)"), "\(unknown)")
        let arch = Self.failure(Self.good.replacingOccurrences(of: "architecture: amd64", with: "architecture: x86"))
        #expect(arch.contains("/t/x.yaml:4: architecture 'x86' is not one of amd64, arm64"), "\(arch)")
        let firmware = Self.failure(Self.good.replacingOccurrences(of: "architecture: amd64", with: "architecture: arm64\nfirmware: bios"))
        #expect(firmware.contains("firmware arm64 machines boot UEFI only"), "\(firmware)")
        let noChecksum = Self.failure(
            Self.good.replacingOccurrences(of: "  checksum: sha256:\(String(repeating: "ab", count: 32))\n", with: ""))
        #expect(noChecksum.contains("source needs checksum:"), "\(noChecksum)")
        let shortDigest = Self.failure(Self.good.replacingOccurrences(of: String(repeating: "ab", count: 32), with: "abcd"))
        #expect(shortDigest.contains("/t/x.yaml:7: source.checksum 'sha256:abcd' is not <type>:<hex>"), "\(shortDigest)")
        let size = Self.failure(Self.good.replacingOccurrences(of: "[10G]", with: "[10G, lots]"))
        #expect(size.contains("disk_sizes 'lots' is not a size"), "\(size)")
        let tiny = Self.failure(Self.good.replacingOccurrences(of: "[10G]", with: "[100M]"))
        #expect(tiny.contains("100M is too small"), "\(tiny)")
        let provider = Self.failure(Self.good.replacingOccurrences(of: "[libvirt, virtualbox]", with: "[libvirt, hyperv]"))
        #expect(provider.contains("providers 'hyperv' is not one of libvirt, virtualbox, vmware_desktop, parallels"), "\(provider)")
        let version = Self.failure(Self.good.replacingOccurrences(of: "\"1.2.3\"", with: "v1"))
        #expect(version.contains("version 'v1' is not a version"), "\(version)")
        let step = Self.failure(Self.good.replacingOccurrences(of: "  - shell: echo hi", with: "  - shell: echo hi\n    script: x.sh"))
        #expect(step.contains("each step is either shell:"), "\(step)")
        let missing = Self.failure(Self.good.replacingOccurrences(of: "os: {family: debian, release: \"12\"}\n", with: ""))
        #expect(missing.contains("os is missing"), "\(missing)")
        let yaml = Self.failure("box: [unclosed")
        #expect(yaml.contains("/t/x.yaml: not valid YAML"), "\(yaml)")
    }
}

/// The fetch step against a loopback HTTP server: checksum files, resume, mismatch, 404, mirror.
@Suite struct SourceImageTests {
    static func sha(_ data: Data, _ type: ChecksumType) -> String {
        var digest = type.makeDigest()
        digest.update(data)
        return digest.finalizeHex()
    }

    @Test func checksumFilesInGNUAndBSDForm() {
        let gnu = "\(String(repeating: "a", count: 64))  other.img\n\(String(repeating: "b", count: 64)) *disk.img\n"
        #expect(
            SourceImage.checksum(named: "disk.img", in: gnu) == ExpectedChecksum(type: .sha256, value: String(repeating: "b", count: 64)))
        let bsd = "SHA256 (CentOS-8.qcow2) = \(String(repeating: "c", count: 64))\nSHA512 (x) = 00\n"
        #expect(
            SourceImage.checksum(named: "CentOS-8.qcow2", in: bsd)
                == ExpectedChecksum(type: .sha256, value: String(repeating: "c", count: 64)))
        let sha512 = "\(String(repeating: "d", count: 128))  debian-12-genericcloud-amd64.qcow2\n"
        #expect(SourceImage.checksum(named: "debian-12-genericcloud-amd64.qcow2", in: sha512)?.type == .sha512)
        #expect(SourceImage.checksum(named: "missing.img", in: gnu) == nil)
    }

    @Test func fetchResumesChecksAndCaches() async throws {
        let home = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        let image = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        // The first GET breaks off after 100 kB; the next one resumes with a Range request.
        server.serve("/images/disk.img", .init(body: image, dropAfter: 100_000))
        server.serve("/images/SHA512SUMS", .init(body: Data("\(Self.sha(image, .sha512))  disk.img\n".utf8), contentType: "text/plain"))
        let source = BoxTemplate.Source(
            url: server.url("/images/disk.img").absoluteString, checksum: nil, checksumURL: server.url("/images/SHA512SUMS").absoluteString,
            format: "qcow2")
        let fetcher = SourceImage(home: BoxerHome(root: home.url))
        let path = try await fetcher.fetch(source)
        #expect(FileManager.default.contents(atPath: path) == image)
        #expect(server.requests.contains { $0.path == "/images/disk.img" && $0.range != nil }, "resumed")
        // A second build uses the cache: no new GET of the image.
        let gets = server.requests.filter { $0.path == "/images/disk.img" }.count
        #expect(try await fetcher.fetch(source) == path)
        #expect(server.requests.filter { $0.path == "/images/disk.img" }.count == gets)
    }

    @Test func aMismatchDeletesTheDownload() async throws {
        let home = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        server.serve("/disk.img", .init(body: Data(repeating: 1, count: 5000)))
        let wrong = String(repeating: "0", count: 64)
        let source = BoxTemplate.Source(
            url: server.url("/disk.img").absoluteString, checksum: ExpectedChecksum(type: .sha256, value: wrong), checksumURL: nil,
            format: "qcow2")
        let fetcher = SourceImage(home: BoxerHome(root: home.url))
        do {
            _ = try await fetcher.fetch(source)
            Issue.record("a mismatch was accepted")
        } catch {
            #expect(error.kind == .checksum)
            #expect(
                error.message.contains("expected sha256 \(wrong), got \(Self.sha(Data(repeating: 1, count: 5000), .sha256))"),
                "\(error.message)")
        }
        let cached = TemporaryFolder.tree(home.url.appendingPathComponent("cache/images")).filter {
            !$0.hasSuffix("/") && !$0.hasSuffix(".lock")
        }
        #expect(cached.isEmpty, "nothing half-downloaded or unverified is kept: \(cached)")
    }

    @Test func missingImagesPointAtTheMirrorOption() async throws {
        let home = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        let image = Data(repeating: 9, count: 2048)
        let checksum = ExpectedChecksum(type: .sha256, value: Self.sha(image, .sha256))
        let source = BoxTemplate.Source(
            url: server.url("/gone/disk.img").absoluteString, checksum: checksum, checksumURL: nil, format: "qcow2")
        do {
            _ = try await SourceImage(home: BoxerHome(root: home.url)).fetch(source)
            Issue.record("a 404 was accepted")
        } catch {
            #expect(
                error.message.contains("Cannot download \(server.url("/gone/disk.img").absoluteString)") && error.message.contains("404")
                    && error.message.contains("--mirror"), "\(error.message)")
        }
        // The same template through a mirror that has the path.
        let mirror = try LoopbackHTTPServer()
        mirror.serve("/gone/disk.img", .init(body: image))
        let fetcher = SourceImage(home: BoxerHome(root: home.url), mirror: mirror.url("").absoluteString)
        #expect(fetcher.effectiveURL(source.url) == mirror.url("/gone/disk.img").absoluteString)
        let path = try await fetcher.fetch(source)
        #expect(FileManager.default.contents(atPath: path) == image)
    }
}

/// What a build refuses before it fetches or boots anything.
@Suite struct BuildRefusalTests {
    @Test func aMissingBoxVagrantfileIsATemplateErrorBeforeAnyFetch() async throws {
        let home = try TemporaryFolder()
        let template = try BoxTemplate.parse(
            TemplateTests.good + "\nvagrantfile: missing.Vagrantfile\n", file: home.url.appendingPathComponent("x.yaml").path)
        let output = home.url.appendingPathComponent("out").path
        do {
            // Only PATH from outside: an inherited $BOXER_IMAGE_CACHE would put a fetch elsewhere.
            let host = QEMUHost(environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            _ = try await BoxBuilder(home: BoxerHome(root: home.url), log: .discarded, host: host).build(
                template, options: .init(output: output))
            Issue.record("the build went on without its Vagrantfile")
        } catch {
            #expect(error.message.contains("x.yaml: vagrantfile: cannot read \(home.url.path)/missing.Vagrantfile"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: home.url.appendingPathComponent("cache/images").path), "nothing was fetched")
    }
}

@Suite struct GuestToolsPlanTests {
    @Test func eachProviderGetsItsToolsOrAWarning() throws {
        let plan = try GuestTools.plan(
            providers: [.libvirt, .virtualbox, .vmwareDesktop, .parallels], architecture: .arm64, given: [:], environment: [:])
        #expect(plan.tools == [GuestTools(provider: .vmwareDesktop, iso: nil)], "libvirt needs none; the ISOs are not on this machine")
        #expect(plan.warnings.count == 2)
        #expect(
            plan.warnings[0].hasPrefix(
                "The virtualbox box gets no VirtualBox Guest Additions (VBoxGuestAdditions.iso): the ISO is not on this machine (looked in /usr/share/virtualbox/VBoxGuestAdditions.iso"
            ), "\(plan.warnings[0])")
        #expect(plan.warnings[0].hasSuffix("Pass --guest-tools virtualbox=PATH to install them."))
        #expect(plan.warnings[1].contains("Parallels Tools (prl-tools-lin-arm.iso)"), "arm64 asks for the arm ISO: \(plan.warnings[1])")

        let temp = try TemporaryFolder()
        let iso = temp.path("additions.iso")
        try Data("x".utf8).write(to: iso)
        let found = try GuestTools.plan(
            providers: [.virtualbox], architecture: .amd64, given: [:], environment: ["BOXER_VIRTUALBOX_ADDITIONS": iso.path])
        #expect(found.tools == [GuestTools(provider: .virtualbox, iso: iso.path)] && found.warnings.isEmpty)
        #expect(throws: BuildError.self) {
            try GuestTools.plan(
                providers: [.parallels], architecture: .amd64, given: [.parallels: "/nonexistent/prl.iso"], environment: [:])
        }
        let none = try GuestTools.plan(providers: [.libvirt], architecture: .amd64, given: [:], environment: [:])
        #expect(none.tools.isEmpty && none.warnings.isEmpty)
    }
}
