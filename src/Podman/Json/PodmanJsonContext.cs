using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>Source-generated serializers: native AOT has no reflection-based JSON.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StreamLine))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(Dictionary<string, AuthConfig>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(LibpodInfo))]
[JsonSerializable(typeof(DockerInfo))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PodmanJsonContext : JsonSerializerContext;
