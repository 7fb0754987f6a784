import Foundation
import MediaRouter
import Testing
import TestSupport

extension GStreamerNodeTests {
    /// A recording path that can never hold files is found when the graph is checked, with the
    /// place of the path; one whose folders only need creating is fine.
    @Suite("gst.record paths")
    struct RecordPathTests {
        func graph(path: String) -> String {
            """
            nodes:
              cam: {kind: gst.capture}
              rec:
                kind: gst.record
                input: cam
                path: "\(path)"
            """
        }

        func pathErrors(_ path: String, baseDirectory: String = NSTemporaryDirectory()) -> [Diagnostic] {
            diagnostics(graph(path: path), baseDirectory: baseDirectory).filter { $0.severity == .error }
        }

        @Test("a path in /proc or /sys is an error at the path", arguments: [
            ("/proc/rec-%H%M%S.mkv", "/proc is on proc, a kernel file system that cannot hold files"),
            ("/proc/self/rec.mkv", "/proc/self is on proc, a kernel file system that cannot hold files"),
            ("/sys/x/y.mkv", "/sys is on sysfs, a kernel file system that cannot hold files"),
            ("/sys/kernel/%Y/y.mkv", "/sys/kernel is on sysfs, a kernel file system that cannot hold files"),
        ])
        func kernelFileSystems(path: String, why: String) {
            let ds = pathErrors(path)
            #expect(ds.count == 1, "\(ds)")
            #expect(ds.first?.description == "g.yaml:6:11: option 'path' of gst.record: cannot record to \(path): \(why)")
        }

        @Test("a file where a folder must be is an error at the path")
        func fileInTheWay() throws {
            let dir = TestPaths.temporaryDirectory("rec-path-file")
            _ = FileManager.default.createFile(atPath: dir + "/blocker", contents: Data())
            let ds = pathErrors("blocker/day/cam-%H%M%S.mkv", baseDirectory: dir)
            #expect(ds.map(\.description) == [
                "g.yaml:6:11: option 'path' of gst.record: cannot record to \(dir)/blocker/day/cam-%H%M%S.mkv: \(dir)/blocker is a file, not a folder",
            ])
            // The file itself in the folder's place.
            let direct = pathErrors("blocker/cam.mkv", baseDirectory: dir)
            #expect(direct.map(\.description) == [
                "g.yaml:6:11: option 'path' of gst.record: cannot record to \(dir)/blocker/cam.mkv: \(dir)/blocker is a file, not a folder",
            ])
        }

        @Test("folders that do not exist yet are fine, and checking does not create them")
        func foldersToCreate() {
            let dir = TestPaths.temporaryDirectory("rec-path-new")
            #expect(pathErrors("new/deeper/%Y/{node}-%H%M%S.mkv", baseDirectory: dir).isEmpty)
            #expect(pathErrors(dir + "/abs/x.mkv").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir + "/new"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/abs"))
        }

        @Test("the default path is checked too, at the node")
        func defaultPath() throws {
            let dir = TestPaths.temporaryDirectory("rec-path-default")
            _ = FileManager.default.createFile(atPath: dir + "/recordings", contents: Data())
            let ds = diagnostics("""
                nodes:
                  cam: {kind: gst.capture}
                  rec: {kind: gst.record, input: cam}
                """, baseDirectory: dir).filter { $0.severity == .error }
            #expect(ds.map(\.description) == [
                "g.yaml:3:3: option 'path' of gst.record: cannot record to \(dir)/recordings/rec-%Y%m%d-%H%M%S.mkv: \(dir)/recordings is a file, not a folder",
            ])
        }
    }
}
