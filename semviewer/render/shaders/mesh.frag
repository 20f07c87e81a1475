#version 330
uniform vec3 light_dir;      // unit vector towards the light, world space
uniform vec3 eye;            // camera position, world space
uniform float ambient;
uniform float intensity;
uniform int material;        // 0: one colour (flat_color); 1: the mesh's own colours or texture
uniform vec3 flat_color;
uniform bool use_texture;
uniform sampler2D tex;
in vec3 v_position;
in vec3 v_normal;
in vec3 v_color;
in vec2 v_uv;
in float v_unit;
out vec4 f_color;
void main() {
    vec3 n = normalize(v_normal);
    // two-sided lighting: use the side of the face that looks at the camera
    if (dot(n, eye - v_position) < 0.0) n = -n;
    vec3 base = material == 0 ? flat_color * v_unit : (use_texture ? texture(tex, v_uv).rgb : v_color);
    float shade = ambient + intensity * max(dot(n, light_dir), 0.0);
    f_color = vec4(clamp(base * shade, 0.0, 1.0), 1.0);
}
