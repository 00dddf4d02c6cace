#include "serve_command.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "access_commands.h"
#include "face_commands.h"
#include "tacit/channel_http.h"

namespace tacit::cli {

Status Serve(Store& store, const Policy& policy, const Secrets& secrets, const std::string& db_path,
             ServerOptions options, const std::string& face_model_dir) {
  const std::filesystem::path beside = std::filesystem::absolute(db_path).parent_path();
  if (options.upload_dir.empty()) options.upload_dir = (beside / "uploads").string();
  // Payroll files hold every recipient's identity number: beside the store,
  // in a directory only the service account can enter.
  if (options.payroll_dir.empty()) options.payroll_dir = (beside / "payroll").string();
  {
    std::error_code ec;
    std::filesystem::create_directories(options.payroll_dir, ec);
    std::filesystem::permissions(options.payroll_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  // Signals are taken by one thread with sigwait: blocked here, before the
  // server starts its threads, so that they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The face pipeline, when built and its models are there: one set of
  // networks per two worker threads at most (each analysis runs on one core;
  // a set is about 40 MB).
  std::unique_ptr<FaceAnalyser> face;
  if (auto loaded = LoadFaceAnalyser(face_model_dir, std::max(1, std::min(options.threads, 2))); loaded) {
    face = std::move(*loaded);
  } else {
    spdlog::warn("人脸识别未启用 (face self-certification is off): {}", loaded.error().message);
  }

  // The channel adapters for the citizen page's SMS sign-in codes (the
  // store's "sms" channel, `tacit channel set sms`).
  std::unique_ptr<ChannelFactory> channels = MakeHttpChannelFactory();

  const bool tls = !options.tls_cert.empty();
  ServerDeps deps{.open_store =
                      [db_path] {
                        // Each worker's connection: a modest page cache (the
                        // kernel's page cache is shared by all of them).
                        return OpenStore(db_path, SqliteOptions{.cache_mb = 64});
                      },
                  .policy = policy,
                  .secrets = secrets,
                  .face = face.get(),
                  .channels = channels.get()};
  ASSIGN_OR_RETURN(std::unique_ptr<Server> server, Server::Create(std::move(deps), options));
  ASSIGN_OR_RETURN(int port, server->Bind());
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  RETURN_IF_ERROR(AuditCommandAfter(store, "server.start", fmt::format("{}:{}", host, port),
                                    {{"tls", tls}, {"threads", options.threads}, {"face", face != nullptr}}));
  fmt::print("tacit 服务已启动 (serving) {}://{}:{}/api/v1 — Ctrl-C 停止 (stop)\n", tls ? "https" : "http", host, port);
  if (!options.web_dir.empty()) {
    fmt::print("工作台 (workbench) {0}://{1}:{2}/   群众认证 (citizen page) {0}://{1}:{2}/c/\n", tls ? "https" : "http",
               host, port);
  } else {
    spdlog::warn("未提供网页 (no web pages): build them with web/build.mjs or pass --web DIR");
  }
  std::fflush(stdout);

  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::warn("signal {}: stopping after the requests in flight", sig);
    server->Stop();
  });
  server->Run();
  // Run() also returns when the listening socket fails: wake the watcher.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  RETURN_IF_ERROR(AuditCommandAfter(store, "server.stop", fmt::format("{}:{}", host, port)));
  fmt::print("tacit 服务已停止 (stopped)\n");
  return {};
}

}  // namespace tacit::cli
