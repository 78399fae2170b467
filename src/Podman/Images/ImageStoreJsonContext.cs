using System.Text.Json.Serialization;

namespace QuayBuilder.Podman;

/// <summary>Source-generated serializers for <see cref="ImageStore"/>; native AOT has no reflection-based JSON.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(List<ImageListEntry>))]
internal sealed partial class ImageStoreJsonContext : JsonSerializerContext;
