#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in vec2 in_uv;
out vec3 v_position;
out vec3 v_normal;
out vec3 v_color;
out vec2 v_uv;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_position = in_position;
    v_normal = in_normal;
    v_color = in_color;
    v_uv = in_uv;
}
